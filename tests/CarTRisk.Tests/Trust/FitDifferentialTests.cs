using System.Globalization;
using CarTRisk.Tests.Support;
using Xunit.Abstractions;

namespace CarTRisk.Tests.Trust;

/// <summary>
/// Issue 27's differential test of the iterative fits: seeded random data sets made by Golden/Fits/generate.R (small,
/// CAR-T-shaped with few early events and heavy censoring, heavily tied, wide), R's values at tight control committed
/// beside it. Where R converged, every field at 1e-8 (log-likelihoods at 1e-10); where R stopped short (iteration cap,
/// a local mode), CarTRisk's likelihood must be at least R's. Every CarTRisk fit must say Converged, or else R must have
/// failed there too.
/// </summary>
public sealed class FitDifferentialTests(ITestOutputHelper output)
{
    private static List<string[]> Rows(string file) =>
        File.ReadLines(Golden.PathOf("Fits/" + file)).Skip(1).Select(l => l.Split(',').Select(f => f.Trim('"')).ToArray()).ToList();

    private static double Num(string s) => s switch
    {
        "NA" => double.NaN,
        "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(s, CultureInfo.InvariantCulture),
    };

    private static double[] Nums(string s) => s.Split(';').Select(Num).ToArray();

    private static bool Close(double expected, double actual, double rel, double abs) =>
        Math.Abs(expected - actual) <= Math.Max(abs, rel * Math.Abs(expected));

    [Fact]
    public void OnsetFamilies_EqualSurvreg()
    {
        var failures = new List<string>();
        double[] t = [];
        bool[] e = [];
        int compared = 0, rShort = 0;
        foreach (var r in Rows("onset.csv"))
        {
            if (r[2].Length > 0)
            {
                t = Nums(r[2]);
                e = r[3].Split(';').Select(v => v == "1").ToArray();
            }

            var family = r[1] switch
            {
                "weibull" => OnsetFamily.Weibull,
                "lognormal" => OnsetFamily.LogNormal,
                "loglogistic" => OnsetFamily.LogLogistic,
                _ => OnsetFamily.Exponential,
            };
            var fit = OnsetDistribution.Fit(t, e, family);
            double mu = Num(r[4]), ls = Num(r[5]), ll = Num(r[6]);
            string id = $"set {r[0]} {r[1]}";
            if (r[7] == "1" && fit.LogLikelihood > ll + (1e-9 * Math.Abs(ll)))
            {
                rShort++;   // survreg reported convergence at a lower point (e.g. its scale run towards 0)
            }
            else if (r[7] == "1")
            {
                compared++;
                if (!fit.Converged)
                {
                    failures.Add($"{id}: not converged ({fit.ConvergenceNote}) where survreg converged");
                }

                if (!Close(mu, fit.Intercept, 1e-8, 1e-10) || !Close(ls, fit.LogScale, 1e-8, 1e-9) || !Close(ll, fit.LogLikelihood, 1e-10, 1e-10))
                {
                    failures.Add($"{id}: R {mu:R}/{ls:R}/{ll:R}, CarTRisk {fit.Intercept:R}/{fit.LogScale:R}/{fit.LogLikelihood:R}");
                }
            }
            else if (!double.IsFinite(ll))
            {
                // survreg ran the scale to 0 (an unbounded likelihood): CarTRisk must not call that converged
                rShort++;
                if (fit.Converged)
                {
                    failures.Add($"{id}: survreg found no maximum (log-likelihood {ll}), CarTRisk says converged");
                }
            }
            else
            {
                rShort++;
                if (fit.LogLikelihood < ll - (1e-10 * Math.Abs(ll)))
                {
                    failures.Add($"{id}: R stopped short at {ll:R}, CarTRisk lower at {fit.LogLikelihood:R}");
                }
            }
        }

        output.WriteLine($"{compared} fits compared with survreg, {rShort} where survreg stopped short; {failures.Count} failures");
        Assert.True(compared > 1000, "the data file lost its rows");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void MetaAnalysisTau2_AtTheGlobalOptimum()
    {
        var failures = new List<string>();
        int compared = 0, better = 0;
        foreach (var r in Rows("meta.csv"))
        {
            var measure = r[1] switch { "PLO" => MetaMeasure.Logit, "PR" => MetaMeasure.Raw, _ => MetaMeasure.FreemanTukey };
            var method = r[2] switch
            {
                "ML" => Tau2Estimator.MaximumLikelihood,
                "REML" => Tau2Estimator.Reml,
                "PM" => Tau2Estimator.PauleMandel,
                _ => Tau2Estimator.EmpiricalBayes,
            };
            int[] xi = r[3].Split(';').Select(int.Parse).ToArray(), ni = r[4].Split(';').Select(int.Parse).ToArray();
            var fit = MetaAnalysis.Proportions(xi, ni, MetaAnalysisOptions.Default with { Measure = measure, Method = method });
            double est = Num(r[5]), tau2 = Num(r[6]), ll = Num(r[7]);
            string id = $"set {r[0]} {r[1]} {r[2]}";
            if (!fit.Converged)
            {
                failures.Add($"{id}: not converged ({fit.ConvergenceNote})");
            }

            compared++;
            if (method is Tau2Estimator.MaximumLikelihood or Tau2Estimator.Reml)
            {
                double mine = MetaAnalysis.ProfileLogLikelihood([.. fit.StudyEffect], [.. fit.StudyVariance], fit.Tau2, method == Tau2Estimator.Reml);
                double atR = MetaAnalysis.ProfileLogLikelihood([.. fit.StudyEffect], [.. fit.StudyVariance], tau2, method == Tau2Estimator.Reml);
                if (!Close(ll, atR, 1e-10, 1e-12))
                {
                    failures.Add($"{id}: the profile likelihood at R's tau2 is {atR:R}, R says {ll:R}");
                }

                if (mine < ll - (1e-12 * Math.Max(1, Math.Abs(ll))))
                {
                    failures.Add($"{id}: CarTRisk's log-likelihood {mine:R} below R's {ll:R}");
                    continue;
                }

                if (mine > ll + (1e-9 * Math.Max(1, Math.Abs(ll))))
                {
                    better++;   // metafor's Fisher scoring stopped at a lower mode
                    continue;
                }
            }

            if (!Close(tau2, fit.Tau2, 1e-8, 1e-12) || !Close(est, fit.Estimate, 1e-8, 1e-12))
            {
                failures.Add($"{id}: R tau2 {tau2:R} beta {est:R}, CarTRisk {fit.Tau2:R} {fit.Estimate:R}");
            }
        }

        output.WriteLine($"{compared} fits compared with metafor; {better} at a higher mode than metafor's; {failures.Count} failures");
        Assert.True(compared > 3000, "the data file lost its rows");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void FineGray_EqualsCrr()
    {
        var failures = new List<string>();
        int compared = 0, rShort = 0;
        foreach (var r in Rows("finegray.csv"))
        {
            var t = Nums(r[1]);
            var cause = r[2].Split(';').Select(int.Parse).ToArray();
            var x = DesignMatrix.Build(Covariate.Numeric("x1", Nums(r[3])), Covariate.Numeric("x2", Nums(r[4])));
            var fit = FineGray.Fit(t, cause, 1, x);
            double b1 = Num(r[5]), b2 = Num(r[6]), ll = Num(r[7]);
            string id = $"set {r[0]}";
            if (Math.Abs(b1) > 8 || Math.Abs(b2) > 8)
            {
                // a monotone pseudo-likelihood (crr's coefficient runs off and it may still say converged): CarTRisk
                // must say not converged, at a pseudo-likelihood no lower than crr's
                rShort++;
                if (fit.Converged || fit.LogPseudoLikelihood < ll - (1e-10 * Math.Abs(ll)))
                {
                    failures.Add($"{id}: crr runs off ({b1:G4}, {b2:G4}); CarTRisk converged = {fit.Converged} at {fit.LogPseudoLikelihood:R} vs {ll:R}");
                }

                continue;
            }

            if (!fit.Converged)
            {
                failures.Add($"{id}: not converged ({fit.ConvergenceNote})");
            }

            if (r[8] != "1" || fit.LogPseudoLikelihood > ll + (1e-9 * Math.Abs(ll)))
            {
                // crr stopped short of its gradient tolerance: CarTRisk's pseudo-likelihood must be at least crr's
                rShort++;
                if (fit.LogPseudoLikelihood < ll - (1e-10 * Math.Abs(ll)))
                {
                    failures.Add($"{id}: crr stopped short at {ll:R}, CarTRisk lower at {fit.LogPseudoLikelihood:R}");
                }

                continue;
            }

            compared++;
            if (!Close(b1, fit.Coefficients[0], 1e-8, 1e-10) || !Close(b2, fit.Coefficients[1], 1e-8, 1e-10) || !Close(ll, fit.LogPseudoLikelihood, 1e-10, 0))
            {
                failures.Add($"{id}: crr {b1:R} {b2:R} {ll:R}, CarTRisk {fit.Coefficients[0]:R} {fit.Coefficients[1]:R} {fit.LogPseudoLikelihood:R}");
            }
        }

        output.WriteLine($"{compared} Fine-Gray fits compared with crr, {rShort} where crr stopped short; {failures.Count} failures");
        Assert.True(compared + rShort == 150, "the data file lost its rows");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void Glmm_NeverBelowRmaGlmm()
    {
        var failures = new List<string>();
        int rows = 0, higher = 0;
        foreach (var r in Rows("glmm.csv"))
        {
            int[] xi = r[1].Split(';').Select(int.Parse).ToArray(), ni = r[2].Split(';').Select(int.Parse).ToArray();
            double beta = Num(r[3]), tau2 = Num(r[4]);
            var fit = MetaAnalysis.ProportionsGlmm(xi, ni);
            double[] x = [.. xi.Select(v => (double)v)], n = [.. ni.Select(v => (double)v)];
            double mine = MetaAnalysis.GlmmLogLik(x, n, fit.Estimate, Math.Sqrt(fit.Tau2));
            double atR = MetaAnalysis.GlmmLogLik(x, n, beta, Math.Sqrt(tau2));
            rows++;
            if (!fit.Converged)
            {
                failures.Add($"set {r[0]}: not converged ({fit.ConvergenceNote})");
            }

            if (mine < atR - (1e-10 * Math.Abs(atR)))
            {
                failures.Add($"set {r[0]}: CarTRisk {mine:R} (beta {fit.Estimate:R}, tau2 {fit.Tau2:R}) below rma.glmm's {atR:R} (beta {beta:R}, tau2 {tau2:R})");
            }

            higher += mine > atR + 1e-9 ? 1 : 0;
        }

        output.WriteLine($"{rows} GLMM fits; {higher} above rma.glmm's point; {failures.Count} failures");
        Assert.Equal(60, rows);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void CoxWithCaseWeightsOfAnyScale_EqualsCoxph()
    {
        var failures = new List<string>();
        int compared = 0;
        foreach (var r in Rows("cox.csv"))
        {
            var t = Nums(r[2]);
            var e = r[3].Split(';').Select(v => v == "1").ToArray();
            var x = DesignMatrix.Build(Covariate.Numeric("x1", Nums(r[4])), Covariate.Numeric("x2", Nums(r[5])));
            var fit = CoxRegression.Fit(t, e, x, new CoxOptions { Weights = Nums(r[6]), Ties = r[1] == "efron" ? TieMethod.Efron : TieMethod.Breslow });
            double b1 = Num(r[7]), b2 = Num(r[8]), ll = Num(r[9]);
            string id = $"set {r[0]} {r[1]} (weights ~{Nums(r[6])[0]:G2})";
            compared++;
            if (Math.Abs(b1) > 8 || Math.Abs(b2) > 8)
            {
                // a monotone likelihood (coxph: "coefficient may be infinite"): CarTRisk must say so
                if (fit.Converged)
                {
                    failures.Add($"{id}: R's coefficient runs off ({b1:G4}, {b2:G4}), CarTRisk says converged at {fit.Coefficients[0]:G4}, {fit.Coefficients[1]:G4}");
                }

                continue;
            }

            if (!fit.Converged)
            {
                failures.Add($"{id}: not converged ({fit.ConvergenceNote})");
            }

            if (!Close(b1, fit.Coefficients[0], 1e-8, 1e-10) || !Close(b2, fit.Coefficients[1], 1e-8, 1e-10) || !Close(ll, fit.LogLikelihood, 1e-10, 0))
            {
                failures.Add($"{id}: R {b1:R} {b2:R} {ll:R}, CarTRisk {fit.Coefficients[0]:R} {fit.Coefficients[1]:R} {fit.LogLikelihood:R}");
            }
        }

        output.WriteLine($"{compared} Cox fits compared with coxph; {failures.Count} failures");
        Assert.True(compared > 250, "the data file lost its rows");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }
}

/// <summary>The GPS fit against R's nlminb on the same likelihood (Golden/Fits/gps.R): 40 seeded data sets (mixtures, pure
/// Poisson with no overdispersion, heavy tails; 10-3,000 pairs), the best of seven starts inside openEBGM's box
/// [1e-5, 20] and inside CarTRisk's box [1e-6, 1e4]. CarTRisk's likelihood must be at least the best of both, and a
/// fit said to be converged must satisfy its KKT conditions.</summary>
public sealed class GpsDifferentialTests(ITestOutputHelper output)
{
    [Fact]
    public void FitGps_NeverBelowNlminbInEitherBox()
    {
        var failures = new List<string>();
        int rows = 0, converged = 0;
        foreach (var line in File.ReadLines(Golden.PathOf("Fits/gps.csv")).Skip(1))
        {
            var r = line.Split(',').Select(f => f.Trim('"')).ToArray();
            double[] n = r[2].Split(';').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            double[] e = r[3].Split(';').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            double llBox = double.Parse(r[4], CultureInfo.InvariantCulture), llWide = double.Parse(r[6], CultureInfo.InvariantCulture);
            var fit = Disproportionality.FitGps(n, e);
            rows++;
            converged += fit.Converged ? 1 : 0;
            double target = Math.Max(llBox, llWide);
            if (fit.LogLikelihood < target - (1e-9 * Math.Abs(target)))
            {
                failures.Add($"set {r[0]} ({r[1]}, {n.Length} pairs): CarTRisk {fit.LogLikelihood:R} below nlminb's {target:R} (openEBGM box {llBox:R})");
            }

            if (!fit.Converged)
            {
                failures.Add($"set {r[0]} ({r[1]}): not converged: {fit.ConvergenceNote}");
            }

            Assert.Contains("log-likelihood", fit.ToString());
        }

        output.WriteLine($"{rows} GPS fits; {converged} converged; {failures.Count} failures");
        Assert.Equal(40, rows);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
