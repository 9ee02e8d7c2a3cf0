"""The build's stages between the spec and the outputs, each a named step that
``reportgen.pipeline`` calls in order: plan the job, compute the sections (from the results
cache or the data), assemble the view, write the outputs."""
