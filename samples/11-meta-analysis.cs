// 11 · Evidence synthesis: random-effects meta-analysis of second-malignancy proportions (= metafor's rma and rma.glmm).
//   dotnet run samples/11-meta-analysis.cs
// The first row is the Stanford cohort's 25 second malignancies among 724 patients (the figure this project's brief
// quotes). The other rows are ILLUSTRATIVE counts, not typed from publications: replace them with the per-study counts
// of the cohorts and trials you pool (for example those tabulated in Tix et al. 2024, 25 studies, 326 second
// malignancies in 5,517 patients, pooled 6.0 %) and keep the citation beside each row.
#:project ../src/CarTRisk/CarTRisk.csproj
#:project ../src/CarTRisk.Plotting/CarTRisk.Plotting.csproj
using CarTRisk;
using CarTRisk.Plotting;

string[] studies = ["Stanford cohort (brief)", "Illustrative A", "Illustrative B", "Illustrative C", "Illustrative D", "Illustrative E", "Illustrative F"];
int[] cases = [25, 9, 14, 3, 21, 6, 0];
int[] patients = [724, 150, 290, 80, 410, 97, 45];

// Cell 1: logit proportions, REML (rma's defaults); the forest-plot table with weights, pooled value and prediction interval.
var fit = MetaAnalysis.Proportions(cases, patients);
Console.WriteLine(fit.ToTable(studies).ToText());
string figure = Path.Combine(args.Length > 0 ? args[0] : Directory.CreateTempSubdirectory("cartrisk-forest-").FullName, "forest-plot.png");
ForestPlot.Draw(fit, studies, FigureOptions.Default with { Title = "Second malignancy after CAR T (illustrative)" }).SavePng(figure);
Console.WriteLine($"wrote {figure}");

// Cell 2: Freeman-Tukey with the harmonic-mean back-transform, DerSimonian-Laird, Knapp-Hartung intervals.
var ft = MetaAnalysis.Proportions(cases, patients, MetaAnalysisOptions.Default with
{
    Measure = MetaMeasure.FreemanTukey, Method = Tau2Estimator.DerSimonianLaird, KnappHartung = true,
});
Console.WriteLine($"Freeman-Tukey, DL, Knapp-Hartung: {ft.Pooled:P2} ({ft.Interval.Lower:P2} to {ft.Interval.Upper:P2}), I2 {ft.I2:F1} %");

// Cell 3: the binomial-normal GLMM (no continuity correction for the study with no case), at its true maximum.
var glmm = MetaAnalysis.ProportionsGlmm(cases, patients);
Console.WriteLine($"Binomial-normal GLMM: {glmm.Pooled:P2} ({glmm.Interval.Lower:P2} to {glmm.Interval.Upper:P2}), tau^2 {glmm.Tau2:F3}");

// Cell 4: rates per 100 person-years (cases / person-years), log rate, REML.
double[] personYears = [1878, 300, 610, 150, 900, 210, 80];
var rates = MetaAnalysis.Rates(cases, personYears);
Console.WriteLine($"Pooled rate: {rates.Pooled * 100:F2} per 100 person-years ({rates.Interval.Lower * 100:F2} to {rates.Interval.Upper * 100:F2})");
