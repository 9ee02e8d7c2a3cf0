"""Fixed vocabularies (departments, aisles, names, states, product words) → inputs of the generator.

Department and aisle names and their ids are the public Instacart 2017 ones; the per-aisle product
counts and the department shares of order lines follow the real data's shape. Product words,
brands and people's names are invented or common-word lists, combined by ``generate``.
"""

from __future__ import annotations

# sample-data's scenarios and what each declares (the command's --help and the README list them;
# the generator implements them). Here so that --help needs no numpy.
SCENARIOS: dict[str, str] = {
    "default": "today's data: the real files' shape, with mild differences between groups",
    "flat": (
        "no differences where the report looks: the average item price is the same at every hour,"
        " regions, customer profiles and loyalty groups are alike in orders per customer, basket"
        " size, item price and department mix, and the share of high spenders is the same in"
        " every region (order counts by day and hour keep their shape)"
    ),
    "strong": (
        "strong differences: items bought at night and late in the evening cost about twice"
        " those bought in the morning, so revenue does not follow order volume through the day;"
        " the West's average order value is about twice the South's, the Northeast orders most"
        " often and high spenders are several times commoner in the West; customer profiles"
        " differ in order value and department mix (seniors buy mostly produce); loyal customers"
        " buy bigger baskets than new ones"
    ),
    "empty": (
        "declared categories nobody falls into: every customer bought baby, pet or alcohol"
        " products, nobody is 65 or older and no product costs more than $15 (the two absurd"
        " prices of the course's file stay)"
    ),
}


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


# The 21 departments in the real id order (1..21), as in the course's transposed departments.csv.
DEPARTMENTS: tuple[str, ...] = (
    "frozen",
    "other",
    "bakery",
    "produce",
    "alcohol",
    "international",
    "beverages",
    "pets",
    "dry goods pasta",
    "bulk",
    "personal care",
    "meat seafood",
    "pantry",
    "breakfast",
    "canned goods",
    "dairy eggs",
    "household",
    "babies",
    "snacks",
    "deli",
    "missing",
)

# Order lines per department in the real prior set (department id → lines); used as shares.
DEPARTMENT_LINES: dict[int, int] = {
    4: 9_479_291,
    16: 5_414_016,
    19: 2_887_550,
    7: 2_690_129,
    1: 2_236_432,
    13: 1_875_577,
    3: 1_176_787,
    15: 1_068_058,
    20: 1_051_249,
    9: 866_627,
    17: 738_666,
    14: 709_569,
    12: 708_931,
    11: 447_123,
    18: 423_802,
    6: 269_253,
    5: 153_696,
    8: 97_724,
    21: 69_145,
    2: 36_291,
    10: 34_573,
}

# The 134 aisles in id order: (name, department id, number of products in the full catalogue).
AISLES: tuple[tuple[str, int, int], ...] = (
    ("prepared soups salads", 20, 146),
    ("specialty cheeses", 16, 271),
    ("energy granola bars", 19, 832),
    ("instant foods", 9, 543),
    ("marinades meat preparation", 13, 409),
    ("other", 2, 548),
    ("packaged meat", 12, 100),
    ("bakery desserts", 3, 297),
    ("pasta sauce", 9, 399),
    ("kitchen supplies", 17, 218),
    ("cold flu allergy", 11, 427),
    ("fresh pasta", 9, 123),
    ("prepared meals", 20, 317),
    ("tofu meat alternatives", 20, 159),
    ("packaged seafood", 12, 80),
    ("fresh herbs", 4, 86),
    ("baking ingredients", 13, 623),
    ("bulk dried fruits vegetables", 10, 12),
    ("oils vinegars", 13, 375),
    ("oral hygiene", 11, 565),
    ("packaged cheese", 16, 891),
    ("hair care", 11, 816),
    ("popcorn jerky", 19, 316),
    ("fresh fruits", 4, 382),
    ("soap", 11, 525),
    ("coffee", 7, 680),
    ("beers coolers", 5, 385),
    ("red wines", 5, 232),
    ("honeys syrups nectars", 13, 229),
    ("latino foods", 6, 257),
    ("refrigerated", 7, 675),
    ("packaged produce", 4, 32),
    ("kosher foods", 6, 169),
    ("frozen meat seafood", 1, 229),
    ("poultry counter", 12, 82),
    ("butter", 16, 150),
    ("ice cream ice", 1, 1091),
    ("frozen meals", 1, 880),
    ("seafood counter", 12, 54),
    ("dog food care", 8, 473),
    ("cat food care", 8, 499),
    ("frozen vegan vegetarian", 1, 189),
    ("buns rolls", 3, 195),
    ("eye ear care", 11, 113),
    ("candy chocolate", 19, 1246),
    ("mint gum", 19, 168),
    ("vitamins supplements", 11, 1038),
    ("breakfast bars pastries", 14, 173),
    ("packaged poultry", 12, 99),
    ("fruit vegetable snacks", 19, 356),
    ("preserved dips spreads", 13, 264),
    ("frozen breakfast", 1, 296),
    ("cream", 16, 161),
    ("paper goods", 17, 322),
    ("shave needs", 11, 198),
    ("diapers wipes", 18, 187),
    ("granola", 14, 185),
    ("frozen breads doughs", 1, 81),
    ("canned meals beans", 15, 342),
    ("trash bags liners", 17, 112),
    ("cookies cakes", 19, 874),
    ("white wines", 5, 147),
    ("grains rice dried goods", 9, 336),
    ("energy sports drinks", 7, 294),
    ("protein meal replacements", 11, 325),
    ("asian foods", 6, 605),
    ("fresh dips tapenades", 20, 327),
    ("bulk grains rice dried goods", 10, 26),
    ("soup broth bouillon", 15, 737),
    ("digestion", 11, 338),
    ("refrigerated pudding desserts", 16, 98),
    ("condiments", 13, 466),
    ("facial care", 11, 277),
    ("dish detergents", 17, 204),
    ("laundry", 17, 506),
    ("indian foods", 6, 108),
    ("soft drinks", 7, 463),
    ("crackers", 19, 747),
    ("frozen pizza", 1, 335),
    ("deodorants", 11, 317),
    ("canned jarred vegetables", 15, 487),
    ("baby accessories", 18, 44),
    ("fresh vegetables", 4, 569),
    ("milk", 16, 243),
    ("food storage", 17, 206),
    ("eggs", 16, 125),
    ("more household", 17, 308),
    ("spreads", 13, 493),
    ("salad dressing toppings", 13, 560),
    ("cocoa drink mixes", 7, 223),
    ("soy lactosefree", 16, 293),
    ("baby food formula", 18, 718),
    ("breakfast bakery", 3, 226),
    ("tea", 7, 894),
    ("canned meat seafood", 15, 283),
    ("lunch meat", 20, 373),
    ("baking supplies decor", 13, 290),
    ("juice nectars", 7, 792),
    ("canned fruit applesauce", 15, 243),
    ("missing", 21, 1258),
    ("air fresheners candles", 17, 355),
    ("baby bath body care", 18, 132),
    ("ice cream toppings", 13, 85),
    ("spices seasonings", 13, 797),
    ("doughs gelatins bake mixes", 13, 463),
    ("hot dogs bacon sausage", 12, 387),
    ("chips pretzels", 19, 989),
    ("other creams cheeses", 16, 191),
    ("skin care", 11, 245),
    ("pickled goods olives", 13, 402),
    ("plates bowls cups flatware", 17, 199),
    ("bread", 3, 557),
    ("frozen juice", 1, 47),
    ("cleaning products", 17, 655),
    ("water seltzer sparkling water", 7, 344),
    ("frozen produce", 1, 361),
    ("nuts seeds dried fruit", 19, 582),
    ("first aid", 11, 240),
    ("frozen dessert", 1, 112),
    ("yogurt", 16, 1026),
    ("cereal", 14, 454),
    ("meat counter", 12, 105),
    ("packaged vegetables fruits", 4, 615),
    ("spirits", 5, 195),
    ("trail mix snack mix", 19, 69),
    ("feminine care", 11, 285),
    ("body lotions soap", 11, 504),
    ("tortillas flat bread", 3, 241),
    ("frozen appetizers sides", 1, 386),
    ("hot cereal pancake mixes", 14, 303),
    ("dry pasta", 9, 457),
    ("beauty", 11, 178),
    ("muscles joints pain relief", 11, 172),
    ("specialty wines champagnes", 5, 95),
)

# The most bought products, at their real ids, with their real share of all order lines (%).
TOP_PRODUCTS: tuple[tuple[int, str, int, float], ...] = (
    (24852, "Banana", 24, 1.457),
    (13176, "Bag of Organic Bananas", 24, 1.170),
    (21137, "Organic Strawberries", 24, 0.816),
    (21903, "Organic Baby Spinach", 123, 0.746),
    (47209, "Organic Hass Avocado", 24, 0.659),
    (47766, "Organic Avocado", 24, 0.545),
    (47626, "Large Lemon", 24, 0.471),
    (16797, "Strawberries", 24, 0.441),
    (26209, "Limes", 24, 0.434),
    (27845, "Organic Whole Milk", 84, 0.425),
    (27966, "Organic Raspberries", 123, 0.424),
    (22935, "Organic Yellow Onion", 83, 0.358),
    (24964, "Organic Garlic", 83, 0.349),
    (45007, "Organic Zucchini", 83, 0.335),
    (39275, "Organic Blueberries", 123, 0.316),
    (49683, "Cucumber Kirby", 83, 0.302),
    (28204, "Organic Fuji Apple", 24, 0.278),
    (5876, "Organic Lemon", 24, 0.275),
    (8277, "Apple Honeycrisp Organic", 24, 0.258),
    (40706, "Organic Grape Tomatoes", 123, 0.257),
    (4920, "Seedless Red Grapes", 123, 0.255),
    (30391, "Organic Cucumber", 83, 0.252),
    (45066, "Honeycrisp Apple", 24, 0.249),
    (42265, "Organic Baby Carrots", 123, 0.240),
    (49235, "Organic Half & Half", 53, 0.235),
    (44632, "Sparkling Water Grapefruit", 115, 0.230),
    (19057, "Organic Large Extra Fancy Fuji Apple", 24, 0.226),
    (4605, "Yellow Onions", 83, 0.220),
    (37646, "Organic Gala Apples", 24, 0.215),
    (21616, "Organic Baby Arugula", 123, 0.212),
)

# Nouns per aisle id; product names combine them with brands, descriptors and variants.
AISLE_NOUNS: dict[int, str] = {
    1: "Chicken Noodle Soup|Tomato Basil Soup|Caesar Salad|Quinoa Salad|Lentil Soup|Pasta Salad",
    2: "Brie|Goat Cheese|Gruyere|Manchego|Blue Cheese|Fresh Mozzarella|Aged Gouda",
    3: "Protein Bar|Granola Bar|Energy Bar|Chewy Bar|Nut Bar|Oat Bar|Fruit Bar",
    4: "Ramen Noodles|Mac & Cheese|Instant Oatmeal|Cup Noodles|Mashed Potatoes|Rice Bowl",
    5: "Marinade|Barbecue Rub|Meat Tenderizer|Teriyaki Marinade|Grilling Sauce|Brine Mix",
    6: "Gift Card|Reusable Bag|Party Candles|Greeting Card|Batteries|Light Bulb",
    7: "Sliced Salami|Prosciutto|Beef Jerky|Pepperoni|Smoked Ham|Chorizo",
    8: "Chocolate Cake|Cheesecake|Brownies|Apple Pie|Cupcakes|Carrot Cake|Cookies",
    9: "Marinara Sauce|Pasta Sauce|Alfredo Sauce|Pesto|Vodka Sauce|Tomato Sauce",
    10: "Baking Dish|Aluminum Foil|Parchment Paper|Measuring Cups|Kitchen Towels|Sponges",
    11: "Cold Relief|Allergy Tablets|Cough Syrup|Nasal Spray|Throat Lozenges|Sinus Relief",
    12: "Ravioli|Tortellini|Fettuccine|Gnocchi|Linguine|Agnolotti",
    13: "Chicken Burrito|Pad Thai|Enchiladas|Lasagna|Chicken Tikka Masala|Meatloaf",
    14: "Tofu|Tempeh|Seitan|Veggie Burger|Plant Based Sausage|Meatless Crumbles",
    15: "Smoked Salmon|Tuna Steak|Shrimp|Crab Meat|Cod Fillets|Lox",
    16: "Basil|Cilantro|Parsley|Mint|Dill|Rosemary|Thyme|Chives",
    17: "Baking Soda|All Purpose Flour|Cane Sugar|Brown Sugar|Vanilla Extract|Baking Powder",
    18: "Dried Mango|Dried Cranberries|Dried Apricots|Sun Dried Tomatoes|Dried Figs",
    19: "Extra Virgin Olive Oil|Balsamic Vinegar|Canola Oil|Coconut Oil|Apple Cider Vinegar",
    20: "Toothpaste|Toothbrush|Mouthwash|Dental Floss|Whitening Strips|Fluoride Rinse",
    21: "Shredded Cheddar|Sliced Swiss|String Cheese|Mozzarella|Parmesan|Pepper Jack",
    22: "Shampoo|Conditioner|Hair Spray|Styling Gel|Dry Shampoo|Hair Mask",
    23: "Popcorn|Beef Jerky|Turkey Jerky|Kettle Corn|Meat Sticks|Caramel Corn",
    24: "Apples|Bananas|Lemons|Oranges|Pears|Mango|Peaches|Plums|Grapefruit|Kiwi|Pineapple",
    25: "Bar Soap|Hand Soap|Liquid Soap|Foaming Hand Wash|Castile Soap|Soap Refill",
    26: "Ground Coffee|Whole Bean Coffee|Cold Brew Coffee|Coffee Pods|Espresso|Decaf Coffee",
    27: "IPA|Lager|Pale Ale|Stout|Hard Seltzer|Pilsner|Hard Cider|Wheat Beer",
    28: "Cabernet Sauvignon|Pinot Noir|Merlot|Red Blend|Malbec|Zinfandel|Syrah",
    29: "Honey|Maple Syrup|Agave Nectar|Pancake Syrup|Raw Honey|Date Syrup",
    30: "Tortilla Chips|Refried Beans|Salsa Verde|Taco Shells|Enchilada Sauce|Chipotle Peppers",
    31: "Kombucha|Cold Pressed Juice|Iced Coffee|Almond Milk|Oat Milk|Coconut Water",
    32: "Salad Mix|Stir Fry Vegetables|Cut Fruit|Veggie Tray|Coleslaw Mix",
    33: "Matzo|Gefilte Fish|Challah|Kosher Salt|Borscht|Potato Latkes",
    34: "Frozen Shrimp|Chicken Breasts|Salmon Fillets|Fish Sticks|Turkey Burgers",
    35: "Chicken Breast|Chicken Thighs|Whole Chicken|Ground Turkey|Chicken Wings",
    36: "Salted Butter|Unsalted Butter|Ghee|Cultured Butter|Buttery Spread",
    37: "Ice Cream|Gelato|Sorbet|Ice Cream Bars|Frozen Yogurt|Ice Pops",
    38: "Frozen Lasagna|Burrito|Pot Pie|Mac & Cheese Bowl|Chicken Alfredo|Fried Rice",
    39: "Atlantic Salmon|Tilapia Fillet|Sea Scallops|Cod Fillet|Shrimp|Halibut",
    40: "Dry Dog Food|Dog Treats|Wet Dog Food|Dog Biscuits|Chew Sticks",
    41: "Dry Cat Food|Wet Cat Food|Cat Litter|Cat Treats|Cat Food Pate",
    42: "Veggie Burgers|Meatless Meatballs|Vegan Pizza|Plant Based Nuggets|Veggie Bowl",
    43: "Hamburger Buns|Hot Dog Buns|Dinner Rolls|Brioche Buns|Slider Rolls",
    44: "Eye Drops|Ear Drops|Contact Lens Solution|Lubricant Eye Drops|Ear Wax Removal",
    45: "Dark Chocolate Bar|Milk Chocolate|Peanut Butter Cups|Gummy Bears|Licorice|Caramels",
    46: "Chewing Gum|Breath Mints|Sugar Free Gum|Peppermints|Spearmint Gum",
    47: "Multivitamin|Vitamin D3|Fish Oil|Probiotic|Vitamin C|Magnesium|Gummy Vitamins",
    48: "Toaster Pastries|Breakfast Biscuits|Cereal Bars|Soft Baked Bars|Breakfast Squares",
    49: "Chicken Sausage|Sliced Turkey|Chicken Nuggets|Rotisserie Chicken|Turkey Bacon",
    50: "Fruit Snacks|Apple Chips|Veggie Straws|Fruit Leather|Applesauce Pouches",
    51: "Hummus|Tapenade|Bruschetta|Artichoke Dip|Baba Ganoush|Roasted Pepper Spread",
    52: "Frozen Waffles|Breakfast Sandwich|Frozen Pancakes|Breakfast Burrito|French Toast Sticks",
    53: "Half & Half|Heavy Cream|Whipping Cream|Coffee Creamer|Sour Cream",
    54: "Paper Towels|Toilet Paper|Facial Tissues|Napkins|Bath Tissue",
    55: "Razors|Shave Gel|Shaving Cream|Razor Blades|Aftershave",
    56: "Diapers|Baby Wipes|Training Pants|Overnight Diapers|Swim Diapers",
    57: "Granola|Honey Almond Granola|Grain Free Granola|Granola Clusters|Muesli",
    58: "Pizza Dough|Garlic Bread|Puff Pastry|Pie Crust|Dinner Rolls",
    59: "Black Beans|Chickpeas|Kidney Beans|Baked Beans|Chili|Pinto Beans",
    60: "Trash Bags|Kitchen Bags|Compost Bags|Drawstring Bags|Recycling Bags",
    61: "Chocolate Chip Cookies|Sandwich Cookies|Shortbread|Snack Cakes|Wafer Cookies|Biscotti",
    62: "Chardonnay|Sauvignon Blanc|Pinot Grigio|Riesling|Rose|Moscato",
    63: "Brown Rice|Jasmine Rice|Quinoa|Couscous|Lentils|Basmati Rice",
    64: "Sports Drink|Energy Drink|Electrolyte Water|Coconut Water|Sugar Free Energy Drink",
    65: "Protein Powder|Protein Shake|Meal Replacement Shake|Whey Protein|Plant Protein",
    66: "Soy Sauce|Coconut Milk|Rice Noodles|Sriracha|Curry Paste|Seaweed Snacks",
    67: "Guacamole|Hummus|Salsa|Tzatziki|Spinach Dip|Pico de Gallo",
    68: "Bulk Oats|Bulk Brown Rice|Bulk Quinoa|Bulk Lentils|Bulk Barley",
    69: "Chicken Broth|Vegetable Broth|Bone Broth|Beef Broth|Bouillon Cubes|Tomato Soup",
    70: "Antacid|Probiotic Capsules|Fiber Supplement|Digestive Enzymes|Laxative",
    71: "Chocolate Pudding|Rice Pudding|Flan|Tapioca Pudding|Mousse",
    72: "Ketchup|Yellow Mustard|Mayonnaise|Hot Sauce|Relish|Barbecue Sauce",
    73: "Face Wash|Moisturizer|Facial Cleanser|Makeup Remover|Face Mask|Toner",
    74: "Dish Soap|Dishwasher Detergent|Dishwasher Pods|Rinse Aid|Dish Liquid",
    75: "Laundry Detergent|Fabric Softener|Dryer Sheets|Stain Remover|Laundry Pods",
    76: "Tikka Masala Sauce|Naan|Basmati Rice|Chana Masala|Mango Chutney|Dal",
    77: "Cola|Lemon Lime Soda|Ginger Ale|Root Beer|Orange Soda|Tonic Water",
    78: "Crackers|Water Crackers|Cheese Crackers|Graham Crackers|Rice Crackers|Crispbread",
    79: "Frozen Pizza|Thin Crust Pizza|Pizza Rolls|French Bread Pizza|Margherita Pizza",
    80: "Deodorant|Antiperspirant|Body Spray|Deodorant Stick|Clinical Strength Deodorant",
    81: "Diced Tomatoes|Sweet Corn|Green Beans|Tomato Paste|Roasted Peppers|Artichoke Hearts",
    82: "Baby Bottles|Pacifiers|Sippy Cup|Teething Ring|Baby Spoons",
    83: "Broccoli Crown|Carrots|Yellow Onion|Garlic|Zucchini|Red Bell Pepper|Celery|Potatoes",
    84: "Whole Milk|Reduced Fat Milk|Fat Free Milk|Lowfat Milk|Chocolate Milk|Lactose Free Milk",
    85: "Sandwich Bags|Food Storage Containers|Plastic Wrap|Freezer Bags|Snack Bags",
    86: "Large Eggs|Brown Eggs|Free Range Eggs|Egg Whites|Pasture Raised Eggs",
    87: "Light Bulbs|Batteries|Matches|Lint Roller|Scrub Brush|Storage Bins",
    88: "Peanut Butter|Almond Butter|Strawberry Jam|Grape Jelly|Hazelnut Spread|Fruit Spread",
    89: "Ranch Dressing|Balsamic Vinaigrette|Caesar Dressing|Croutons|Italian Dressing",
    90: "Hot Cocoa Mix|Drink Mix|Chocolate Syrup|Malted Milk|Lemonade Mix",
    91: "Soy Milk|Almond Milk|Oat Milk|Coconut Milk|Cashew Milk|Lactose Free Milk",
    92: "Baby Food Puree|Infant Formula|Baby Cereal|Toddler Snacks|Baby Food Pouch",
    93: "Bagels|Croissants|English Muffins|Muffins|Danish|Scones",
    94: "Green Tea|Black Tea|Herbal Tea|Chamomile Tea|Chai Tea|Earl Grey Tea",
    95: "Tuna|Salmon|Sardines|Chicken Breast Chunks|Anchovies|Crab Meat",
    96: "Sliced Turkey Breast|Black Forest Ham|Roast Beef|Genoa Salami|Chicken Breast|Bologna",
    97: "Sprinkles|Food Coloring|Cupcake Liners|Frosting|Decorating Icing",
    98: "Orange Juice|Apple Juice|Cranberry Juice|Grape Juice|Lemonade|Juice Blend",
    99: "Applesauce|Mandarin Oranges|Peach Slices|Pineapple Chunks|Fruit Cocktail",
    100: "Assorted Item|Seasonal Item|Specialty Item|Variety Pack|Sampler",
    101: "Air Freshener|Scented Candle|Plug In Refill|Room Spray|Wax Melts",
    102: "Baby Wash|Baby Lotion|Baby Shampoo|Diaper Cream|Baby Oil",
    103: "Chocolate Sauce|Caramel Sauce|Whipped Topping|Sprinkles|Hot Fudge",
    104: "Sea Salt|Black Pepper|Garlic Powder|Cinnamon|Paprika|Italian Seasoning|Cumin",
    105: "Brownie Mix|Cake Mix|Gelatin|Cookie Dough|Pancake Mix|Muffin Mix",
    106: "Uncured Bacon|Hot Dogs|Italian Sausage|Breakfast Sausage|Bratwurst|Beef Franks",
    107: "Potato Chips|Tortilla Chips|Pretzels|Kettle Chips|Pita Chips|Cheese Puffs",
    108: "Cream Cheese|Cottage Cheese|Ricotta|Mascarpone|Whipped Cream Cheese",
    109: "Body Lotion|Sunscreen|Lip Balm|Hand Cream|Moisturizing Cream",
    110: "Dill Pickles|Kalamata Olives|Green Olives|Capers|Sauerkraut|Pickled Jalapenos",
    111: "Paper Plates|Plastic Cups|Plastic Forks|Paper Bowls|Party Cups",
    112: "Whole Wheat Bread|Sourdough Bread|Multigrain Bread|White Bread|Rye Bread|Baguette",
    113: "Frozen Orange Juice|Frozen Lemonade|Frozen Limeade|Juice Concentrate",
    114: "All Purpose Cleaner|Disinfecting Wipes|Glass Cleaner|Bleach|Toilet Bowl Cleaner",
    115: "Sparkling Water|Spring Water|Seltzer Water|Mineral Water|Alkaline Water",
    116: "Frozen Broccoli|Frozen Peas|Frozen Berries|Frozen Spinach|Frozen Corn|Mixed Vegetables",
    117: "Almonds|Cashews|Walnuts|Raisins|Pistachios|Dried Cranberries|Sunflower Seeds",
    118: "Bandages|First Aid Kit|Antibiotic Ointment|Gauze Pads|Medical Tape",
    119: "Ice Cream Sandwiches|Frozen Fruit Bars|Mochi|Frozen Custard|Ice Cream Cake",
    120: "Greek Yogurt|Whole Milk Yogurt|Nonfat Yogurt|Yogurt Tubes|Skyr|Kefir",
    121: "Cereal|Corn Flakes|Oat Cereal|Bran Flakes|Granola Cereal|Puffed Rice Cereal",
    122: "Ground Beef|Ribeye Steak|Pork Chops|Ground Turkey|Beef Stew Meat|Lamb Chops",
    123: "Baby Spinach|Spring Mix|Blueberries|Raspberries|Baby Carrots|Grape Tomatoes|Kale",
    124: "Vodka|Bourbon|Tequila|Gin|Rum|Whiskey",
    125: "Trail Mix|Snack Mix|Nut Mix|Party Mix|Berry Trail Mix",
    126: "Tampons|Pads|Liners|Menstrual Cup|Feminine Wash",
    127: "Body Wash|Body Lotion|Bar Soap|Shower Gel|Body Scrub",
    128: "Flour Tortillas|Corn Tortillas|Pita Bread|Naan|Wraps|Flatbread",
    129: "Corn Dogs|Mozzarella Sticks|Potato Tots|French Fries|Spring Rolls|Dumplings",
    130: "Oatmeal|Pancake Mix|Steel Cut Oats|Cream of Wheat|Grits|Waffle Mix",
    131: "Spaghetti|Penne Rigate|Rotini|Elbow Macaroni|Linguine|Farfalle",
    132: "Nail Polish|Mascara|Lipstick|Makeup Sponges|Eyeliner|Foundation",
    133: "Pain Reliever|Ibuprofen|Muscle Rub|Acetaminophen|Joint Support|Heat Patch",
    134: "Champagne|Prosecco|Sparkling Wine|Port|Sake|Dessert Wine",
}

# Descriptors per department id: flavours, styles, qualities.
DEPARTMENT_WORDS: dict[int, str] = {
    1: "Four Cheese|Chicken|Vegetable|Roasted Garlic|Spicy|Family Size|Classic|Mini|Uncured Pepperoni|Sweet & Sour",
    2: "Assorted|Classic|Everyday|Premium|Seasonal|Holiday|Value Pack",
    3: "Whole Grain|Honey Wheat|Cinnamon Raisin|Seeded|Blueberry|Gluten Free|Everything|Sprouted|Chocolate",
    4: "Organic|Large|Baby|Red|Green|Yellow|Sweet|Bunch of|Bag of|Seedless|Fresh|Mini",
    5: "California|Reserve|Dry|Craft|Light|Imperial|Session|Barrel Aged|Sparkling",
    6: "Spicy|Mild|Authentic|Traditional|Green Curry|Red Curry|Garlic|Sesame|Chipotle",
    7: "Unsweetened|Lemon Lime|Grapefruit|Cherry|Diet|Zero Sugar|Vanilla|Peach|Mango|Black Cherry|Original",
    8: "Chicken & Rice|Salmon|Beef|Grain Free|Turkey|Senior|Puppy|Indoor|Small Breed",
    9: "Whole Wheat|Gluten Free|Organic|Tomato Basil|White Cheddar|Garlic|Long Grain|Protein",
    10: "Organic|Raw|Unsalted|Whole|Bulk",
    11: "Unscented|Sensitive|Extra Strength|Fresh Mint|Lavender|Coconut|Daily|Travel Size|Maximum Strength",
    12: "Boneless Skinless|Grass Fed|Wild Caught|Smoked|Uncured|Lean|Free Range|Applewood Smoked",
    13: "Organic|Garlic|Smoky|Hot|Sweet|Original|Reduced Sodium|Pure|Classic|Spicy|Roasted",
    14: "Honey Nut|Cinnamon|Maple Brown Sugar|Blueberry|Chocolate|Whole Grain|Original|Vanilla Almond",
    15: "Organic|No Salt Added|Low Sodium|Diced|Whole|Chunk Light|In Water|Homestyle",
    16: "Organic|Lowfat|Nonfat|Vanilla|Plain|Strawberry|Reduced Fat|Whole Milk|Grass Fed|Sharp|Mild",
    17: "Lavender|Fresh Scent|Free & Clear|Lemon|Ultra|Heavy Duty|Unscented|Original|Ocean Breeze",
    18: "Organic|Sensitive|Stage 1|Stage 2|Apple|Pear & Squash|Banana|Fragrance Free|Newborn",
    19: "Sea Salt|Dark Chocolate|Peanut Butter|Cheddar|Honey Roasted|Original|Salted Caramel|Barbecue|Sour Cream & Onion",
    20: "Organic|Roasted|Smoked|Honey|Classic|Spicy|Mediterranean|Garden|Homestyle",
    21: "Assorted|Seasonal|Special|Mixed",
}

# Descriptors for aisles where the department's words would not fit (coffee is not "Grapefruit").
AISLE_WORDS: dict[int, str] = {
    24: "Large|Small|Ripe|Sweet|Seedless|Extra Fancy|Bag of|Jumbo|Honeycrisp|Fuji|Gala",
    83: "Large|Baby|Sweet|Red|Green|Yellow|White|Bunch of|Bag of|Hothouse|Russet",
    123: "Baby|Washed|Bag of|Container of|Mixed|Sweet|Triple Washed|Snacking",
    26: "Medium Roast|Dark Roast|Light Roast|French Roast|Colombian|Breakfast Blend|Hazelnut",
    94: "Organic|Decaf|Honey Lemon|Mint|Jasmine|Ginger|Peach|Vanilla|Unsweetened",
    98: "Organic|No Pulp|Pulp Free|100%|Unsweetened|Not From Concentrate|Mango|Berry",
    77: "Diet|Zero Sugar|Caffeine Free|Cherry|Vanilla|Classic|Original",
    115: "Lime|Lemon|Grapefruit|Black Cherry|Unflavored|Natural|Pure|Coconut",
    31: "Original|Ginger|Mango|Berry|Unsweetened|Vanilla|Green|Trilogy",
    64: "Fruit Punch|Lemon Lime|Orange|Berry|Zero Sugar|Tropical|Glacier Freeze",
    91: "Unsweetened|Vanilla|Original|Chocolate|Barista|Light",
    84: "Organic|Grass Fed|Vitamin D|Ultra Filtered|Lactose Free|1%|2%",
    120: "Plain|Vanilla|Strawberry|Blueberry|Honey|Peach|Nonfat|Whole Milk|Lowfat",
    21: "Sharp|Mild|Extra Sharp|Organic|Reduced Fat|Aged|Shredded|Sliced",
    86: "Organic|Grade A|Large|Extra Large|Cage Free|Free Range|Omega 3",
    40: "Chicken & Rice|Beef|Lamb|Grain Free|Puppy|Senior|Small Breed|Large Breed",
    41: "Salmon|Chicken|Tuna|Turkey|Indoor|Kitten|Senior|Grain Free|Clumping",
    20: "Fresh Mint|Whitening|Sensitive|Cavity Protection|Soft|Medium|Fluoride Free",
    47: "Adult|Daily|Women's|Men's|Extra Strength|Chewable|Gummy|Orange",
    132: "Black|Nude|Red|Waterproof|Matte|Natural|Long Lasting",
    126: "Regular|Super|Unscented|Overnight|Light|Organic Cotton",
    22: "Moisturizing|Volumizing|Clarifying|Coconut|Argan Oil|Tea Tree|Daily",
    95: "Chunk Light|Solid White|Wild|Skinless|Boneless|In Olive Oil|In Water",
    99: "Unsweetened|In Juice|Lite|Organic|Cinnamon|Natural",
    69: "Organic|Low Sodium|Reduced Sodium|Homestyle|Free Range|Roasted",
    37: "Vanilla|Chocolate|Mint Chip|Strawberry|Cookie Dough|Salted Caramel|Coffee",
    119: "Vanilla|Chocolate|Strawberry|Mango|Coconut|Lemon|Cookies & Cream",
    44: "Soothing|Sensitive|Multi Purpose|Daily|Lubricant|Redness Relief",
    127: "Moisturizing|Lavender|Shea Butter|Unscented|Coconut|Aloe|Oatmeal",
    25: "Lavender|Unscented|Citrus|Aloe|Eucalyptus|Peppermint|Almond",
}

# Made-up brand words, prefixed to packaged products.
BRANDS: tuple[str, ...] = _split(
    "Green Valley|Sunny Acres|Harvest Table|Blue Ridge|Golden Fields|Nature's Best|Simply Good|"
    "Meadow Farms|Clear Spring|Old Mill|Happy Hen|Red Barn|Silver Creek|Wild Harvest|True North|"
    "Pure Earth|Bright Morning|Oak Hollow|Seaside|Mountain High|Little Star|Farmhouse|Urban Pantry|"
    "Evergreen|Prairie Gold|Cedar Grove|Maple Leaf|River Bend|Stone Ground|Fresh Start|"
    "Good Life|Sweet Home|Daily Harvest|Heritage|Kitchen Garden|Orchard Lane|Bay Area|Willow Creek|"
    "Summit|Pacific Coast|Lakeside|Hillside|Sunrise|Twin Oaks|Copper Kettle|Blue Sky|Whole Heart|"
    "Fireside|Honey Hill|Northern Lights|Sierra|Desert Bloom|Coastal|Pine Ridge|Country Road|"
    "Wholesome|Simple Truth|Market Fresh|Back Porch|Peak"
)

SIZES: tuple[str, ...] = (
    "12 oz",
    "16 oz",
    "8 oz",
    "32 oz",
    "6 ct",
    "12 ct",
    "24 ct",
    "1 lb",
    "2 lb",
    "64 oz",
    "1 gal",
    "4 pack",
)

# Departments whose products may carry an inch size written with a double quote, like 6" Cake.
INCH_DEPARTMENTS: tuple[int, ...] = (3, 17, 1)

FEMALE_NAMES: tuple[str, ...] = _split(
    "Mary|Patricia|Jennifer|Linda|Elizabeth|Barbara|Susan|Jessica|Sarah|Karen|Lisa|Nancy|Betty|"
    "Margaret|Sandra|Ashley|Kimberly|Emily|Donna|Michelle|Carol|Amanda|Dorothy|Melissa|Deborah|"
    "Stephanie|Rebecca|Sharon|Laura|Cynthia|Kathleen|Amy|Angela|Shirley|Anna|Brenda|Pamela|Emma|"
    "Nicole|Helen|Samantha|Katherine|Christine|Debra|Rachel|Carolyn|Janet|Catherine|Maria|Heather|"
    "Diane|Ruth|Julie|Olivia|Joyce|Virginia|Victoria|Kelly|Lauren|Christina|Joan|Evelyn|Judith|"
    "Megan|Andrea|Cheryl|Hannah|Jacqueline|Martha|Gloria|Teresa|Ann|Sara|Madison|Frances|Kathryn|"
    "Janice|Jean|Abigail|Alice|Judy|Sophia|Grace|Denise|Amber|Doris|Marilyn|Danielle|Beverly|"
    "Isabella|Theresa|Diana|Natalie|Brittany|Charlotte|Marie|Kayla|Alexis|Lori|Rose"
)

MALE_NAMES: tuple[str, ...] = _split(
    "James|Robert|John|Michael|David|William|Richard|Joseph|Thomas|Charles|Christopher|Daniel|"
    "Matthew|Anthony|Mark|Donald|Steven|Paul|Andrew|Joshua|Kenneth|Kevin|Brian|George|Timothy|"
    "Ronald|Edward|Jason|Jeffrey|Ryan|Jacob|Gary|Nicholas|Eric|Jonathan|Stephen|Larry|Justin|"
    "Scott|Brandon|Benjamin|Samuel|Gregory|Alexander|Frank|Patrick|Raymond|Jack|Dennis|Jerry|"
    "Tyler|Aaron|Jose|Adam|Nathan|Henry|Douglas|Zachary|Peter|Kyle|Ethan|Walter|Noah|Jeremy|"
    "Christian|Keith|Roger|Terry|Gerald|Harold|Sean|Austin|Carl|Arthur|Lawrence|Dylan|Jesse|"
    "Jordan|Bryan|Billy|Joe|Bruce|Gabriel|Logan|Albert|Willie|Alan|Juan|Wayne|Elijah|Randy|Roy|"
    "Vincent|Ralph|Eugene|Russell|Bobby|Mason|Philip|Louis"
)

SURNAMES: tuple[str, ...] = _split(
    "Smith|Johnson|Williams|Brown|Jones|Garcia|Miller|Davis|Rodriguez|Martinez|Hernandez|Lopez|"
    "Gonzalez|Wilson|Anderson|Thomas|Taylor|Moore|Jackson|Martin|Lee|Perez|Thompson|White|Harris|"
    "Sanchez|Clark|Ramirez|Lewis|Robinson|Walker|Young|Allen|King|Wright|Scott|Torres|Nguyen|Hill|"
    "Flores|Green|Adams|Nelson|Baker|Hall|Rivera|Campbell|Mitchell|Carter|Roberts|Gomez|Phillips|"
    "Evans|Turner|Diaz|Parker|Cruz|Edwards|Collins|Reyes|Stewart|Morris|Morales|Murphy|Cook|Rogers|"
    "Gutierrez|Ortiz|Morgan|Cooper|Peterson|Bailey|Reed|Kelly|Howard|Ramos|Kim|Cox|Ward|"
    "Richardson|Watson|Brooks|Chavez|Wood|James|Bennett|Gray|Mendoza|Ruiz|Hughes|Price|Alvarez|"
    "Castillo|Sanders|Patel|Myers|Long|Ross|Foster|Jimenez|Powell|Jenkins|Perry|Russell|Sullivan|"
    "Bell|Coleman|Butler|Henderson|Barnes|Gonzales|Fisher|Vasquez|Simmons|Romero|Jordan|Patterson|"
    "Alexander|Hamilton|Graham|Reynolds|Griffin|Wallace|Moreno|West|Cole|Hayes|Bryant|Herrera|"
    "Gibson|Ellis|Tran|Medina|Aguilar|Stevens|Murray|Ford|Castro|Marshall|Owens|Harrison|"
    "Fernandez|Mcdonald|Woods|Washington|Kennedy|Wells|Vargas|Henry|Chen|Freeman|Webb|Tucker|"
    "Guzman|Burns|Crawford|Olson|Simpson|Porter|Hunter|Gordon|Mendez|Silva|Shaw|Snyder|Mason|"
    "Dixon|Munoz|Hunt|Hicks|Holmes|Palmer|Wagner|Black|Robertson|Boyd|Rose|Stone|Salazar|Fox|"
    "Warren|Mills|Meyer|Rice|Schmidt|Garza|Daniels|Ferguson|Nichols|Stephens|Soto|Weaver|Ryan|"
    "Gardner|Payne|Grant|Dunn|Kelley|Spencer|Hawkins|Arnold|Pierce|Vazquez|Hansen|Peters|Santos|"
    "Hart|Bradley|Knight|Elliott|Cunningham|Duncan|Armstrong|Hudson|Carroll|Lane|Riley|Andrews|"
    "Esquivel|Farley|Gilmore|Case|Robbins|Richmond|Rollins|Noble"
)

# The 50 states and the District of Columbia.
STATES: tuple[str, ...] = _split(
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|District of Columbia|"
    "Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|"
    "Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|"
    "New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|"
    "Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|"
    "West Virginia|Wisconsin|Wyoming"
)

# US Census Bureau regions of the states above (the shipped report's `region` field), for the
# generator's scenarios that make regions differ or not.
REGIONS: dict[str, tuple[str, ...]] = {
    "Northeast": _split(
        "Connecticut|Maine|Massachusetts|New Hampshire|Rhode Island|Vermont|New Jersey|New York|"
        "Pennsylvania"
    ),
    "Midwest": _split(
        "Illinois|Indiana|Michigan|Ohio|Wisconsin|Iowa|Kansas|Minnesota|Missouri|Nebraska|"
        "North Dakota|South Dakota"
    ),
    "South": _split(
        "Delaware|Florida|Georgia|Maryland|North Carolina|South Carolina|Virginia|"
        "District of Columbia|West Virginia|Alabama|Kentucky|Mississippi|Tennessee|Arkansas|"
        "Louisiana|Oklahoma|Texas"
    ),
    "West": _split(
        "Arizona|Colorado|Idaho|Montana|Nevada|New Mexico|Utah|Wyoming|Alaska|California|Hawaii|"
        "Oregon|Washington"
    ),
}

# Share of orders by day of week (0..6) and by hour (0..23) in the real orders.csv.
DOW_ORDERS: tuple[int, ...] = (600_905, 587_478, 467_260, 436_972, 426_339, 453_368, 448_761)
HOUR_ORDERS: tuple[int, ...] = (
    22_758,
    12_398,
    7_539,
    5_474,
    5_527,
    9_569,
    30_529,
    91_868,
    178_201,
    257_812,
    288_418,
    284_728,
    272_841,
    277_999,
    283_042,
    283_639,
    272_553,
    228_795,
    182_912,
    140_569,
    104_292,
    78_109,
    61_468,
    40_043,
)
# The hours as drawn: the real counts with the peak at 10:00 and the trough at 3:00 a little
# clearer, so that small samples show the real file's busiest and quietest hours.
HOUR_ORDERS_DRAWN: tuple[int, ...] = tuple(
    {3: 5_000, 4: 6_000, 10: 300_000}.get(hour, n) for hour, n in enumerate(HOUR_ORDERS)
)
# days_since_prior_order 0..30 in the real orders.csv (30 means 30 or more).
DAYS_ORDERS: tuple[int, ...] = (
    67_755,
    145_247,
    193_206,
    217_005,
    221_696,
    214_503,
    240_013,
    320_608,
    181_717,
    118_188,
    95_186,
    80_970,
    76_146,
    83_214,
    100_230,
    66_579,
    46_941,
    39_245,
    35_881,
    34_384,
    38_527,
    45_470,
    32_012,
    23_885,
    20_712,
    19_234,
    19_016,
    22_013,
    26_777,
    19_191,
    369_323,
)
