// Generates samples/data/example-cohort.csv: a SYNTHETIC cohort shaped like the Stanford CAR T cohort
// (724 patients, several products, infusions 2017-2024, deaths, losses to follow-up, ~25 second malignancies
// of several types, a few CAR transgene tests). No real patient is in it. Deterministic: fixed seed.
// Run: dotnet run samples/data/generate-example-cohort.cs -- samples/data/example-cohort.csv
// It also writes example-cohort-covariates.csv beside it: the same patients and outcomes plus birth_date, sex and two
// SYNTHETIC risk factors (prior_lines: prior lines of therapy; chip: clonal haematopoiesis, yes/no), drawn from a
// second fixed-seed stream after the outcomes, with a built-in association (more prior lines and CHIP among cases) so
// that the regression sample has something to find. The first file is unchanged by this addition.
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
var rows = new List<(string Line, DateOnly Infusion, bool Case)>();
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

    string line = string.Create(CultureInfo.InvariantCulture, $"P{i:0000},{product},{Iso(infusion)},{Iso(infusion.AddDays(lastSeen))},{mDate},{(mType.Contains(',') ? $"\"{mType}\"" : mType)},{dDate},{transgene}");
    sb.Append(line).Append('\n');
    rows.Add((line, infusion, mDate.Length > 0));
}

File.WriteAllText(output, sb.ToString());
Console.WriteLine($"wrote {output}");

// The covariate file: a second stream, so the outcomes above never change when this part does.
var rng2 = new Random(20_261_125);
var cov = new StringBuilder("patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene,birth_date,sex,prior_lines,chip\n");
foreach (var (line, infusion, isCase) in rows)
{
    double age = Math.Clamp(62 + (11 * Normal(rng2)) + (isCase ? 3 : 0), 19, 88);
    var birth = infusion.AddDays(-(int)Math.Round(age * 365.25));
    string sex = rng2.NextDouble() < 0.6 ? "male" : "female";
    int lines = 2 + Poisson(rng2, isCase ? 2.2 : 1.4);
    string chip = rng2.NextDouble() < (isCase ? 0.45 : 0.2) ? "yes" : "no";
    cov.Append(CultureInfo.InvariantCulture, $"{line},{Iso(birth)},{sex},{lines},{chip}\n");
}

string covPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output)) ?? ".", "example-cohort-covariates.csv");
File.WriteAllText(covPath, cov.ToString());
Console.WriteLine($"wrote {covPath}");

static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

static int Poisson(Random r, double mean)
{
    double limit = Math.Exp(-mean), product = r.NextDouble();
    int k = 0;
    while (product > limit)
    {
        k++;
        product *= r.NextDouble();
    }

    return k;
}

static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
