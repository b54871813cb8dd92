// 05 · Figures: the curves analysts publish, written as PNG and SVG to samples/figures/ (or the folder given).
// Kaplan-Meier by product with bands, censor marks and an aligned number-at-risk table; Aalen-Johansen cumulative
// incidence; the stacked competing-risk picture; and the time-to-onset histogram.
#:project ../src/CarTRisk.Plotting/CarTRisk.Plotting.csproj
using CarTRisk;
using CarTRisk.Plotting;

// Cell 1: the synthetic example cohort and where the files go.
var dir = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples";
var cohort = CohortCsv.Read(Path.Combine(dir, "data", "example-cohort.csv"));
string output = args.Length > 0 ? args[0] : Path.Combine(dir, "figures");
Directory.CreateDirectory(output);

// Cell 2: Aalen-Johansen cumulative incidence of malignancy, two products, 3-year horizon marked.
var byProduct = cohort.ByProduct().Where(p => p.Key is "axi-cel" or "ide-cel").ToArray();
var cif = byProduct.Select(p => (p.Key, CumulativeIncidence.Estimate(p.Value.Durations.AsSpan(), p.Value.Causes.AsSpan(), 1))).ToList();
var options = FigureOptions.Default with { Title = "Secondary malignancy after CAR T (synthetic cohort)", YMax = 0.15 };
Save(Figures.CumulativeIncidence(cif, options), "cumulative-incidence");

// Cell 3: Kaplan-Meier (deaths censored) for the whole cohort, in years.
var km = KaplanMeier.Estimate(cohort.Durations.AsSpan(), cohort.Causes.Select(c => c == 1).ToArray());
Save(Figures.KaplanMeier([("All patients", km)], FigureOptions.Default with { Title = "Malignancy-free survival (deaths censored)", Scale = TimeScale.Years }), "kaplan-meier");

// Cell 4: stacked competing risks: malignancy, death and event-free add up to 1.
var all = CumulativeIncidence.Estimate(cohort.Durations.AsSpan(), cohort.Causes.AsSpan(), 1);
Save(Figures.StackedCompetingRisks(all, ["Secondary malignancy", "Death without malignancy"], FigureOptions.Default with { Title = "Competing outcomes after CAR T" }), "stacked-competing-risks");

// Cell 5: time to onset among cases, with the 12-month mark.
var report = SafetySummary.Compute(cohort);
Save(Figures.OnsetHistogram(report.Onset, 90, FigureOptions.Default with { Title = "Time to onset of secondary malignancy", Scale = TimeScale.Days, HorizonDays = 365 }), "onset-histogram");

void Save(Figure figure, string name)
{
    figure.SavePng(Path.Combine(output, name + ".png"));
    figure.SaveSvg(Path.Combine(output, name + ".svg"));
    Console.WriteLine($"wrote {Path.Combine(output, name)}.png and .svg ({figure.Width} x {figure.Height})");
}
