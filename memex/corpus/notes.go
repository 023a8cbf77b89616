package corpus

// A note of the student vault: Topic groups notes; Query paraphrases the
// note without sharing any of its content words (checked by the tests).
type note struct {
	ID, Topic, Title string
	Tags             []string
	Links            []string
	Body             string
	Query            string
}

var notes = []note{
	{ID: "light-reactions", Topic: "photosynthesis", Title: "Light reactions", Tags: []string{"biology"}, Links: []string{"Calvin cycle", "Cellular respiration"},
		Body:  "Chlorophyll inside the chloroplast absorbs photons. The thylakoid membrane splits water, releasing oxygen gas, and the electron chain stores the captured energy as ATP and NADPH.",
		Query: "how do green leaves trap sunshine"},
	{ID: "calvin-cycle", Topic: "photosynthesis", Title: "Calvin cycle", Tags: []string{"biology"}, Links: []string{"Light reactions"},
		Body:  "In the stroma the enzyme rubisco fixes carbon dioxide. Using ATP and NADPH, the cycle builds glucose, a sugar that stores chemical energy for the whole organism.",
		Query: "which protein lets vegetation turn air into food"},
	{ID: "cellular-respiration", Topic: "respiration", Title: "Cellular respiration", Tags: []string{"biology"}, Links: []string{"Mitochondria"},
		Body:  "Glycolysis breaks glucose into pyruvate. The Krebs cycle and oxidative phosphorylation then yield most of the ATP, consuming oxygen and releasing carbon dioxide.",
		Query: "how our bodies burn sugar for fuel"},
	{ID: "mitochondria", Topic: "respiration", Title: "Mitochondria", Tags: []string{"biology"}, Links: []string{"Cellular respiration"},
		Body:  "Mitochondria are organelles with a double membrane and their own DNA. Their inner folds, the cristae, host the electron transport chain.",
		Query: "powerhouse of the cell"},
	{ID: "estates-general", Topic: "french-revolution", Title: "Estates-General of 1789", Tags: []string{"history"}, Links: []string{"Storming of the Bastille"},
		Body:  "King Louis XVI summoned the Estates-General in May 1789. The Third Estate broke away, declared itself the National Assembly and swore the Tennis Court Oath.",
		Query: "when commoners defied the monarch in france"},
	{ID: "bastille", Topic: "french-revolution", Title: "Storming of the Bastille", Tags: []string{"history"}, Links: []string{"Estates-General of 1789", "Reign of Terror"},
		Body:  "On 14 July 1789 Parisian crowds seized the Bastille fortress, a royal prison. The event became the symbol of the uprising against absolute monarchy.",
		Query: "mob attacks a jail in paris"},
	{ID: "ww1-causes", Topic: "ww1", Title: "Causes of the Great War", Tags: []string{"history"}, Links: []string{"Trench warfare"},
		Body:  "Militarism, alliances, imperialism and nationalism set the stage. The assassination of Archduke Franz Ferdinand in Sarajevo triggered the July Crisis of 1914.",
		Query: "why did the first world conflict start"},
	{ID: "trench-warfare", Topic: "ww1", Title: "Trench warfare", Tags: []string{"history"}, Links: []string{"Causes of the Great War"},
		Body:  "On the Western Front soldiers dug long trenches protected by barbed wire and machine guns. Offensives like the Somme cost hundreds of thousands of lives for little ground.",
		Query: "muddy ditches where infantry fought in france and belgium"},
	{ID: "supply-demand", Topic: "economics", Title: "Supply and demand", Tags: []string{"economics"}, Links: []string{"Inflation"},
		Body:  "The market price settles where the supply curve crosses the demand curve. A shortage pushes prices up; a surplus pushes them down until equilibrium returns.",
		Query: "what decides how much goods cost"},
	{ID: "inflation", Topic: "economics", Title: "Inflation", Tags: []string{"economics"}, Links: []string{"Supply and demand", "Central banks"},
		Body:  "Inflation is a sustained rise in the general price level, eroding purchasing power. Economists track it with the consumer price index.",
		Query: "why money buys less every year"},
	{ID: "central-banks", Topic: "economics", Title: "Central banks", Tags: []string{"economics"}, Links: []string{"Inflation"},
		Body:  "A central bank sets interest rates and controls the money supply. Raising rates cools borrowing and spending, which slows price growth.",
		Query: "federal reserve hiking lending costs"},
	{ID: "plate-tectonics", Topic: "geology", Title: "Plate tectonics", Tags: []string{"geology"}, Links: []string{"Earthquakes"},
		Body:  "The lithosphere is broken into plates that drift on the asthenosphere. Where plates diverge, magma forms new crust at mid-ocean ridges; where they converge, subduction occurs.",
		Query: "continents slowly moving apart"},
	{ID: "earthquakes", Topic: "geology", Title: "Earthquakes", Tags: []string{"geology"}, Links: []string{"Plate tectonics"},
		Body:  "Stress builds along faults until rock slips, sending seismic waves outward from the focus. Magnitude is measured on the moment magnitude scale.",
		Query: "why the ground shakes"},
	{ID: "greenhouse", Topic: "climate", Title: "Greenhouse effect", Tags: []string{"climate"}, Links: []string{"Carbon cycle"},
		Body:  "Carbon dioxide, methane and water vapour absorb infrared radiation emitted by the surface, trapping heat in the atmosphere and raising global temperatures.",
		Query: "gases that warm the planet"},
	{ID: "carbon-cycle", Topic: "climate", Title: "Carbon cycle", Tags: []string{"climate"}, Links: []string{"Greenhouse effect", "Light reactions"},
		Body:  "Carbon moves between the atmosphere, oceans, soils and living things. Burning fossil fuels releases carbon stored for millions of years.",
		Query: "coal and oil combustion adds co2"},
	{ID: "newton-laws", Topic: "physics", Title: "Newton's laws of motion", Tags: []string{"physics"}, Links: []string{"Gravity"},
		Body:  "An object stays at rest or in uniform motion unless a net force acts on it. Force equals mass times acceleration, and every action has an equal and opposite reaction.",
		Query: "why a pushed cart keeps rolling"},
	{ID: "gravity", Topic: "physics", Title: "Gravity", Tags: []string{"physics"}, Links: []string{"Newton's laws of motion"},
		Body:  "Every mass attracts every other mass with a force proportional to the product of the masses and inversely proportional to the square of the distance.",
		Query: "what keeps the moon orbiting earth"},
	{ID: "ohms-law", Topic: "electricity", Title: "Ohm's law", Tags: []string{"physics"}, Links: []string{"Circuits"},
		Body:  "Voltage across a resistor equals current times resistance. Doubling the resistance halves the current for the same voltage.",
		Query: "how pressure and flow relate in wires"},
	{ID: "circuits", Topic: "electricity", Title: "Series and parallel circuits", Tags: []string{"physics"}, Links: []string{"Ohm's law"},
		Body:  "In a series circuit the same current flows through each component. In a parallel circuit the voltage is shared and branch currents add up.",
		Query: "wiring bulbs one after another versus side by side"},
	{ID: "neural-networks", Topic: "ai", Title: "Neural networks", Tags: []string{"computing"}, Links: []string{"Backpropagation"},
		Body:  "Artificial neurons compute weighted sums passed through nonlinear activations. Stacked layers learn representations from labelled examples.",
		Query: "brain inspired machine learning models"},
	{ID: "backprop", Topic: "ai", Title: "Backpropagation", Tags: []string{"computing"}, Links: []string{"Neural networks"},
		Body:  "Gradients of the loss are propagated backward through the layers with the chain rule, and gradient descent updates each weight to reduce the error.",
		Query: "how deep nets get trained"},
	{ID: "hamlet", Topic: "literature", Title: "Hamlet", Tags: []string{"literature"}, Links: []string{"Shakespeare's tragedies"},
		Body:  "The prince of Denmark hesitates to avenge his father, murdered by Claudius. His soliloquy \"to be or not to be\" weighs life against death.",
		Query: "danish royal seeking revenge in a play"},
	{ID: "tragedies", Topic: "literature", Title: "Shakespeare's tragedies", Tags: []string{"literature"}, Links: []string{"Hamlet"},
		Body:  "Macbeth, Othello, King Lear and Hamlet end in the downfall of a hero undone by ambition, jealousy, pride or indecision.",
		Query: "elizabethan dramas where the protagonist dies"},
	{ID: "pythagoras", Topic: "math", Title: "Pythagorean theorem", Tags: []string{"math"}, Links: []string{"Trigonometry"},
		Body:  "In a right triangle the square of the hypotenuse equals the sum of the squares of the two legs: a squared plus b squared equals c squared.",
		Query: "formula for the diagonal of a rectangle"},
}

// unrelated documents that are neither notes nor money documents.
var unrelated = []struct{ Name, Body string }{
	{"recipe", "Banana bread\n\nMash three ripe bananas, mix with melted butter, sugar, one egg and flour. Bake for an hour at 175 degrees."},
	{"packing", "Packing list for the hiking trip\n\nTent, sleeping bag, stove, headlamp, rain jacket, first aid kit, water filter."},
	{"minutes", "Team meeting minutes\n\nWe discussed the office move, the new coffee machine and the summer party. Action: book the venue."},
	{"poem", "Ode to autumn\n\nSeason of mists and mellow fruitfulness, close bosom-friend of the maturing sun."},
}
