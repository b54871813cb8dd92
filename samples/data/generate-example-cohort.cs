// Generates samples/data/example-cohort.csv: a SYNTHETIC cohort shaped like the Stanford CAR T cohort
// (724 patients, several products, infusions 2017-2024, deaths, losses to follow-up, ~25 second malignancies
// of several types, a few CAR transgene tests). No real patient is in it. Deterministic: fixed seed.
// Run: dotnet run samples/data/generate-example-cohort.cs -- samples/data/example-cohort.csv
using System.Globalization;
using System.Text;

var output = args.Length > 0 ? args[0] : "example-cohort.csv";
var rng = new Random(20_241_123);
var cutoff = new DateOnly(2025, 6, 30);
(string Name, double Weight)[] products = [("axi-cel", 0.40), ("tisa-cel", 0.14), ("liso-cel", 0.12), ("brexu-cel", 0.10), ("ide-cel", 0.12), ("cilta-cel", 0.12)];
(string Type, double Weight)[] types = [("MDS/AML", 0.36), ("solid", 0.28), ("skin", 0.20), ("T-cell lymphoma", 0.10), ("other haematological", 0.06)];

double Exp(double rate) => -Math.Log(1 - rng.NextDouble()) / rate;
T Pick<T>(IReadOnlyList<(T Item, double Weight)> items)
{
    double u = rng.NextDouble(), acc = 0;
    foreach (var (item, w) in items) { acc += w; if (u < acc) return item; }
    return items[^1].Item;
}

var sb = new StringBuilder("patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene\n");
for (int i = 1; i <= 724; i++)
{
    var product = Pick(products);
    var infusion = new DateOnly(2017, 1, 1).AddDays(rng.Next(0, 365 * 8 - 200));
    int admin = cutoff.DayNumber - infusion.DayNumber;                       // administrative censoring
    // Death: early hazard (relapse) plus a lower late hazard; second malignancy: most within a year.
    double death = rng.NextDouble() < 0.28 ? Exp(1 / 300.0) : Exp(1 / 6000.0);
    double malignancy = rng.NextDouble() < 0.55 ? Exp(1 / 23000.0) : Exp(1 / 100000.0);
    double lost = Exp(1 / 6000.0);                                           // loss to follow-up
    int end = (int)Math.Floor(Math.Min(Math.Min(death, malignancy), Math.Min(lost, admin)));
    string mDate = "", mType = "", dDate = "", transgene = "";
    int lastSeen = end;
    if (malignancy <= Math.Min(death, Math.Min(lost, admin)))
    {
        mDate = Iso(infusion.AddDays(end));
        mType = Pick(types);
        if (mType == "T-cell lymphoma" || rng.NextDouble() < 0.35) transgene = rng.NextDouble() < 0.3 ? "positive" : "negative";
        // Patients are followed past the diagnosis; some die later.
        lastSeen = Math.Min(admin, end + rng.Next(0, 400));
        if (rng.NextDouble() < 0.3 && lastSeen > end) { dDate = Iso(infusion.AddDays(lastSeen)); }
    }
    else if (death <= Math.Min(lost, admin))
    {
        dDate = Iso(infusion.AddDays(end));
    }

    sb.Append(CultureInfo.InvariantCulture, $"P{i:0000},{product},{Iso(infusion)},{Iso(infusion.AddDays(lastSeen))},{mDate},{(mType.Contains(',') ? $"\"{mType}\"" : mType)},{dDate},{transgene}\n");
}

File.WriteAllText(output, sb.ToString());
Console.WriteLine($"wrote {output}");

static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
