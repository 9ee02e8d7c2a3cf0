// Draw each chart from its Vega-Lite spec; the static SVG stays when anything fails.
(function () {
  var figures = document.querySelectorAll("figure.chart");
  Array.prototype.forEach.call(figures, function (figure) {
    var source = figure.querySelector("script.chart-spec");
    var live = figure.querySelector(".chart-live");
    if (!source || !live || !window.vegaEmbed) {
      return;
    }
    var options = { actions: false, renderer: "svg", mode: "vega-lite" };
    window.vegaEmbed(live, JSON.parse(source.textContent), options).then(
      function () { figure.classList.add("live"); },
      function (error) { console.error("chart " + figure.id + ": " + error); }
    );
  });
})();
