// 08 · Who is at higher risk: Cox (cause-specific) and Fine-Gray (subdistribution) regression on the example cohort's
// SYNTHETIC covariates (samples/data/example-cohort-covariates.csv: age, sex, product, prior lines of therapy, CHIP).
//   dotnet run samples/08-risk-factors.cs
// Both fits equal R to full convergence: coxph(Surv(days, malignancy) ~ ...) and cmprsk::crr(days, cause, ...).
#:project ../src/CarTRisk/CarTRisk.csproj
using CarTRisk;

// Cell 1: read the cohort with its declared covariate columns (numeric or categorical, missing values reported).
string dir = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples";
var cohort = CohortCsv.Read(Path.Combine(dir, "data", "example-cohort-covariates.csv"),
    CohortCsvOptions.Default with { Covariates = ["prior_lines", "chip"] });
string[] factors = ["age", "sex", "prior_lines", "chip"];

// Cell 2: Cox proportional hazards of a second malignancy (deaths censored: the cause-specific hazard).
var cox = cohort.CoxRegression(factors);
Console.WriteLine(cox.ToTable().ToText(DisclosurePolicy.None));
Console.WriteLine($"Likelihood-ratio test: {cox.LikelihoodRatio.Statistic:F2} on {cox.LikelihoodRatio.DegreesOfFreedom} df, p = {cox.LikelihoodRatio.PValue:G3}");

// Cell 3: Fine-Gray, death competing: the covariates' effect on the cumulative incidence itself.
var fg = cohort.FineGray(factors);
Console.WriteLine();
Console.WriteLine(fg.ToTable().ToText(DisclosurePolicy.None));

// Cell 4: predicted 3-year cumulative incidence for two profiles (terms in the order the table lists them).
Console.WriteLine("Terms: " + string.Join(", ", fg.Terms));
double[] low = [55, 0, 2, 0], high = [70, 1, 5, 1];   // age, sexmale, prior_lines, chipyes
Console.WriteLine($"Predicted 3-year cumulative incidence (Fine-Gray): 55-year-old woman, 2 prior lines, no CHIP {fg.PredictCumulativeIncidence(low).At(1095):P2}; 70-year-old man, 5 prior lines, CHIP {fg.PredictCumulativeIncidence(high).At(1095):P2}");
