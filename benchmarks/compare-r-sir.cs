// Times StandardizedIncidence.Compute against popEpi::lexpand + popEpi::sir on the same synthetic cohort, in one run.
//   dotnet run -c Release benchmarks/compare-r-sir.cs -- [patients]   (default 1000000)
// Needs Rscript with popEpi for the R column (Debian: r-cran-popepi). Rates: 20 age bands x 30 calendar years x 2 sexes.
#:project ../src/CarTRisk/CarTRisk.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using CarTRisk;

int n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var rng = new Random(3);
var bounds = Enumerable.Range(0, 20).Select(i => i * 5.0).Append(120).ToArray();
var rateRows = new List<ReferenceRate>();
foreach (var sex in new[] { Sex.Female, Sex.Male })
    for (int b = 0; b < 20; b++)
        for (int y = 1995; y <= 2024; y++)
            rateRows.Add(new ReferenceRate(sex, bounds[b], bounds[b + 1], y, y, (10 + (b * b * 5)) / 1e5));
var rates = ReferenceRates.FromRows(rateRows);
var records = new CohortRecord[n];
for (int i = 0; i < n; i++)
{
    var infusion = new DateOnly(1996, 1, 1).AddDays(rng.Next(0, 365 * 25));
    var birth = infusion.AddDays(-rng.Next(20 * 365, 80 * 365));
    int follow = rng.Next(1, 365 * 4);
    var last = infusion.AddDays(follow);
    if (last.Year > 2024) last = new DateOnly(2024, 12, 31);
    if (last < infusion) last = infusion;
    DateOnly? m = rng.NextDouble() < 0.03 ? last : null;
    records[i] = new CohortRecord("P" + i.ToString(CultureInfo.InvariantCulture), null, infusion, last, m, m is null ? null : "solid", null, TransgeneStatus.NotTested)
    { BirthDate = birth, Sex = rng.NextDouble() < 0.5 ? Sex.Female : Sex.Male };
}

var cohort = new Cohort(records);
StandardizedIncidence.Compute(cohort, rates);
double best = double.MaxValue;
SirResult? sir = null;
for (int rep = 0; rep < 3; rep++)
{
    var sw = Stopwatch.StartNew();
    sir = StandardizedIncidence.Compute(cohort, rates);
    best = Math.Min(best, sw.Elapsed.TotalSeconds);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CarTRisk SIR, {n} patients, 20 bands x 30 years: {best:F3} s (O = {sir!.Observed}, E = {sir.Expected:F3})"));
if (File.Exists("/usr/bin/Rscript"))
{
    string csv = Path.Combine(Path.GetTempPath(), "cartrisk-sir.csv"), rcsv = Path.Combine(Path.GetTempPath(), "cartrisk-sir-rates.csv");
    using (var w = new StreamWriter(csv))
    {
        w.Write("sex,bi,ii,ei,status\n");
        foreach (var r in records)
            w.Write(string.Create(CultureInfo.InvariantCulture, $"{(r.Sex == Sex.Female ? 0 : 1)},{Years(r.BirthDate!.Value)},{Years(r.InfusionDate)},{Years(r.EndDate)},{(r.MalignancyDate is null ? 0 : 1)}\n"));
    }

    using (var w = new StreamWriter(rcsv))
    {
        w.Write("sex,agegroup,year,haz\n");
        foreach (var r in rateRows) w.Write(string.Create(CultureInfo.InvariantCulture, $"{(r.Sex == Sex.Female ? 0 : 1)},{r.AgeFrom},{r.YearFrom},{r.RatePerPersonYear}\n"));
    }

    // popEpi on the day-number/365.25 time scale (the "mapped" setting of the shared cross-check): lexpand splits, sir sums.
    string script = $@"suppressMessages(library(popEpi)); d <- read.csv('{csv}'); r <- read.csv('{rcsv}');
t <- system.time({{ x <- lexpand(d, birth = bi, entry = ii, exit = ei, status = status, breaks = list(per = 1995:2025, age = c(seq(0, 95, 5), 120)), aggre = list(sex, agegroup = age, year = per));
  s <- sir(coh.data = x, coh.obs = 'from0to1', coh.pyrs = 'pyrs', ref.data = r, ref.rate = 'haz', adjust = c('sex', 'agegroup', 'year')) }});
cat(t[['elapsed']])";
    var p = Process.Start(new ProcessStartInfo("Rscript", ["-e", script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    string output = p.StandardOutput.ReadToEnd();
    string err = p.StandardError.ReadToEnd();
    p.WaitForExit();
    if (double.TryParse(output.Trim(), CultureInfo.InvariantCulture, out var rt))
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"popEpi lexpand + sir: {rt:F2} s; ratio {rt / best:F0}x"));
    else
        Console.WriteLine("popEpi run failed: " + err.Split('\n').LastOrDefault(l => l.Length > 0));
    File.Delete(csv);
    File.Delete(rcsv);
}

static double Years(DateOnly d) => d.Year + ((d.DayOfYear - 1) / 365.25);
