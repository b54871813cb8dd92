// Writes a SMALL SYNTHETIC extract in the FAERS quarterly ASCII layout (DEMO, DRUG, REAC; '$'-separated) for the
// spontaneous-report sample: 4,000 cases, some with a second (follow-up) version, CAR T products among many other
// drugs, and T-cell lymphoma and other second malignancies reported more often with the CAR T products. No real report.
//   dotnet run samples/data/faers/generate-faers.cs -- samples/data/faers
using System.Globalization;
using System.Text;

string dir = args.Length > 0 ? args[0] : ".";
var rng = new Random(2026_11_25);
string[] cart = ["YESCARTA", "KYMRIAH", "BREYANZI", "TECARTUS", "ABECMA", "CARVYKTI"];
string[] others = ["METHOTREXATE", "LENALIDOMIDE", "RITUXIMAB", "BENDAMUSTINE", "IBRUTINIB", "CYCLOPHOSPHAMIDE", "FLUDARABINE", "TOCILIZUMAB",
    "DEXAMETHASONE", "ACYCLOVIR", "PEMBROLIZUMAB", "NIVOLUMAB", "DARATUMUMAB", "BORTEZOMIB", "CARFILZOMIB", "ADALIMUMAB", "ETANERCEPT", "METFORMIN"];
string[] events = ["Cytokine release syndrome", "Neurotoxicity", "Pyrexia", "Neutropenia", "Thrombocytopenia", "Infection", "Hypotension",
    "Fatigue", "Nausea", "Rash", "Myelodysplastic syndrome", "Acute myeloid leukaemia", "Squamous cell carcinoma of skin", "Death", "Diarrhoea"];
var demo = new StringBuilder("primaryid$caseid$caseversion$fda_dt$age$age_cod$sex\n");
var drug = new StringBuilder("primaryid$caseid$drug_seq$role_cod$drugname$prod_ai\n");
var reac = new StringBuilder("primaryid$caseid$pt\n");
// each drug has its own reaction profile (log-normal relative weights): the overdispersion real databases show
var allDrugs = cart.Concat(others).ToArray();
var weight = allDrugs.ToDictionary(d => d, _ => events.Select(_ => Math.Exp(1.2 * Normal(rng))).ToArray());
long primary = 100_000_000;
for (int c = 1; c <= 4000; c++)
{
    bool isCart = rng.NextDouble() < 0.25;
    string suspect = isCart ? cart[rng.Next(cart.Length)] : others[rng.Next(others.Length)];
    var reactions = new HashSet<string>();
    int k = 1 + rng.Next(3);
    while (reactions.Count < k) reactions.Add(events[Pick(weight[suspect], rng)]);
    if (isCart && rng.NextDouble() < 0.06) reactions.Add("T-cell lymphoma");
    if (!isCart && rng.NextDouble() < 0.004) reactions.Add("T-cell lymphoma");
    int versions = rng.NextDouble() < 0.15 ? 2 : 1;
    int age = 30 + rng.Next(55);
    string sex = rng.NextDouble() < 0.55 ? "M" : "F";
    for (int v = 1; v <= versions; v++)
    {
        primary++;
        string p = primary.ToString(CultureInfo.InvariantCulture);
        demo.Append(CultureInfo.InvariantCulture, $"{p}${c}${v}$2024{1 + rng.Next(12):00}{1 + rng.Next(28):00}${age}$YR${sex}\n");
        drug.Append(CultureInfo.InvariantCulture, $"{p}${c}$1$PS${suspect}$\n");
        if (rng.NextDouble() < 0.5) drug.Append(CultureInfo.InvariantCulture, $"{p}${c}$2$C${others[rng.Next(others.Length)]}$\n");
        foreach (var r in reactions) reac.Append(CultureInfo.InvariantCulture, $"{p}${c}${r}\n");
    }
}

File.WriteAllText(Path.Combine(dir, "DEMO24Q4.txt"), demo.ToString());
File.WriteAllText(Path.Combine(dir, "DRUG24Q4.txt"), drug.ToString());
File.WriteAllText(Path.Combine(dir, "REAC24Q4.txt"), reac.ToString());
Console.WriteLine($"wrote DEMO, DRUG and REAC to {dir}");

static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

static int Pick(double[] w, Random r)
{
    double u = r.NextDouble() * w.Sum(), acc = 0;
    for (int i = 0; i < w.Length; i++)
    {
        acc += w[i];
        if (u < acc) return i;
    }

    return w.Length - 1;
}
