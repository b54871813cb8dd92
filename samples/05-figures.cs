// 05 · Figures: every figure CarTRisk draws, in the house style (docs/figures.md), written as PNG and SVG to a fresh
// temporary folder (or the folder given; `dotnet run samples/05-figures.cs -- samples/figures` regenerates the gallery): Kaplan-Meier by product with the log-rank p and a labelled risk table;
// Aalen-Johansen cumulative incidence with Gray's test; the naive 1 - KM against Aalen-Johansen; the stacked competing
// outcomes; the onset histogram; forest plots of hazard ratios, SIRs and a meta-analysis; one print-size figure.
//   dotnet run samples/05-figures.cs
#:project ../src/CarTRisk.Plotting/CarTRisk.Plotting.csproj
using CarTRisk;
using CarTRisk.Plotting;

// Cell 1: the synthetic example cohort and where the files go.
var dir = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples";
var cohort = CohortCsv.Read(Path.Combine(dir, "data", "example-cohort.csv"));
string output = args.Length > 0 ? args[0] : Directory.CreateTempSubdirectory("cartrisk-figures-").FullName;
Directory.CreateDirectory(output);
var products = cohort.Records.Select(r => r.Product ?? "").ToArray();
var malignancy = cohort.Causes.Select(c => c == 1).ToArray();

// Cell 2: Kaplan-Meier by product (six groups: no bands, Okabe-Ito colours, risk table labelled), log-rank p.
var km = cohort.ByProduct().Select(p => (p.Key, KaplanMeier.Estimate(p.Value.Durations.AsSpan(), p.Value.Causes.Select(c => c == 1).ToArray()))).ToList();
var logRank = LogRank.Test(cohort.Durations.AsSpan(), malignancy, products.AsSpan());
Save(Figures.KaplanMeier(km, FigureOptions.Default with
{
    Title = "Malignancy-free survival by product (deaths censored)", Test = FigureTest.From(logRank), Height = 680,
}), "kaplan-meier-by-product");

// Cell 3: Aalen-Johansen cumulative incidence for two products, with bands, Gray's test and cumulative events.
var two = cohort.Where(r => r.Product is "axi-cel" or "ide-cel");
var cif = two.ByProduct().Select(p => (p.Key, CumulativeIncidence.Estimate(p.Value.Durations.AsSpan(), p.Value.Causes.AsSpan(), 1))).ToList();
var gray = GrayTest.Test(two.Durations.AsSpan(), two.Causes.AsSpan(), two.Records.Select(r => r.Product ?? "").ToArray().AsSpan(), 1);
Save(Figures.CumulativeIncidence(cif, FigureOptions.Default with
{
    Title = "Secondary malignancy after CAR T, death competing", Test = FigureTest.From(gray), CumulativeEvents = true, Height = 640,
}), "cumulative-incidence");

// Cell 4: the point of the safety report: the naive 1 - KM overstates the risk when death competes.
var report = SafetySummary.Compute(cohort);
Save(Figures.NaiveVersusAalenJohansen(report, FigureOptions.Default with { Title = "Naive 1 - Kaplan-Meier against Aalen-Johansen" }), "naive-versus-aalen-johansen");

// Cell 5: stacked competing outcomes: malignancy, death and event-free add up to 1.
var all = CumulativeIncidence.Estimate(cohort.Durations.AsSpan(), cohort.Causes.AsSpan(), 1);
Save(Figures.StackedCompetingRisks(all, ["Secondary malignancy", "Death without malignancy"], FigureOptions.Default with { Title = "Competing outcomes after CAR T" }), "stacked-competing-risks");

// Cell 6: time to onset among cases, bins on the breaks, the 12-month mark (bins merged to >= 11 cases each). The one
// figure in days: onset is reported in days (EMA's and FDA's case reviews count days from infusion); every follow-up
// figure of the gallery is in months.
Save(Figures.OnsetHistogram(report.Onset, 90, FigureOptions.Default with { Title = "Time to onset of secondary malignancy", Scale = TimeScale.Days, HorizonDays = 365 }), "onset-histogram");

// Cell 7: forest plots: Cox hazard ratios (covariate file), SIRs by stratum (synthetic reference rates), a meta-analysis.
var withCovariates = CohortCsv.Read(Path.Combine(dir, "data", "example-cohort-covariates.csv"), CohortCsvOptions.Default with { Covariates = ["prior_lines", "chip"] });
var cox = withCovariates.CoxRegression(["age", "sex", "prior_lines", "chip"]);
Save(ForestPlot.Draw(cox, FigureOptions.Default with { Title = "Risk factors for a second malignancy (Cox)", Height = 300 }), "forest-cox");
var rates = ReferenceRates.ReadCsv(Path.Combine(dir, "data", "reference-rates-synthetic.csv"));
var sir = StandardizedIncidence.Compute(withCovariates, rates);
Save(ForestPlot.Draw(sir, FigureOptions.Default with { Title = "Standardized incidence ratio against synthetic population rates" }), "forest-sir");
var meta = MetaAnalysis.Proportions([25, 9, 14, 3, 21, 6, 0], [724, 150, 290, 80, 410, 97, 45]);
Save(ForestPlot.Draw(meta, ["Stanford cohort (brief)", "Illustrative A", "Illustrative B", "Illustrative C", "Illustrative D", "Illustrative E", "Illustrative F"],
    FigureOptions.Default with { Title = "Second malignancy after CAR T (illustrative meta-analysis)", Height = 380 }), "forest-meta");

// Cell 8: a print-size figure: 6.85 x 4.5 inches at 300 DPI (2,055 px wide; text stays 10-13 points).
Save(Figures.CumulativeIncidence(cif, FigureOptions.Inches(6.85, 4.5, 300) with { Test = FigureTest.From(gray) }), "cumulative-incidence-300dpi");

void Save(Figure figure, string name)
{
    figure.SavePng(Path.Combine(output, name + ".png"));
    figure.SaveSvg(Path.Combine(output, name + ".svg"));
    Console.WriteLine($"wrote {Path.Combine(output, name)}.png and .svg ({figure.Width} x {figure.Height})");
}
