// 02 · Regulator figures with exact intervals.
// Reproduces the published signals on secondary malignancies after CAR T with the intervals a reviewer asks for:
// EMA PRAC: 38 T-cell malignancies among ~42,500 treated; CAR transgene found in 7 of 19 tested tumours;
// Stanford cohort: 25 second tumours among 724 patients.
#:project ../src/CarTRisk/CarTRisk.csproj
using CarTRisk;

// Cell 1: the three proportions, each with the four interval methods.
(string Label, int X, int N)[] figures =
[
    ("T-cell malignancies / treated (EMA PRAC)", 38, 42_500),
    ("CAR transgene positive / tested (EMA)", 7, 19),
    ("Second tumours / patients (Stanford)", 25, 724),
];

Console.WriteLine($"{"Figure",-42} {"x/n",12} {"Estimate",10}  {"Method",-15} {"95% CI",-24}");
foreach (var (label, x, n) in figures)
{
    foreach (var method in Enum.GetValues<BinomialMethod>())
    {
        var p = CrudeIncidence.Proportion(x, n, method);
        string name = method == BinomialMethod.ClopperPearson ? "Clopper-Pearson" : method.ToString();
        Console.WriteLine($"{(method == 0 ? label : ""),-42} {(method == 0 ? $"{x}/{n}" : ""),12} {(method == 0 ? Pct(p.Value) : ""),10}  {name,-15} {Pct(p.Interval.Lower)} to {Pct(p.Interval.Upper)}");
    }
}

// Cell 2: per 100,000 treated, the scale regulators quote.
var ema = CrudeIncidence.Proportion(38, 42_500);
Console.WriteLine();
Console.WriteLine($"EMA signal: {ema.Value * 1e5:F1} per 100,000 treated (exact 95% CI {ema.Interval.Lower * 1e5:F1} to {ema.Interval.Upper * 1e5:F1}).");

// Cell 3: the exact Poisson interval on the count, for readers who think in expected cases.
var count = PoissonInterval.Exact(38);
Console.WriteLine($"38 observed cases: exact Poisson 95% CI for the expected count {count.Lower:F2} to {count.Upper:F2}.");

static string Pct(double v) => $"{v * 100,7:F3} %";
