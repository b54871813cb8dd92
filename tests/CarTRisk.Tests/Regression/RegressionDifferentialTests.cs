using System.Globalization;
using CarTRisk.Tests.Support;
using Xunit.Abstractions;

namespace CarTRisk.Tests.Regression;

/// <summary>60 seeded random data sets with heavy ties (Golden/Differential/Regression/generate.R): coxph (Efron, Breslow;
/// delayed entry + weights + strata + cluster) and crr to full convergence, compared field by field (relative 1e-8;
/// variances within 1e-8 of |v| + sqrt(v_ii v_jj)).</summary>
public sealed class RegressionDifferentialTests(ITestOutputHelper output)
{
    private static double Num(string s) => s == "NA" ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public void CoxAndFineGray_EqualR_OnRandomTiedData()
    {
        var sets = File.ReadLines(Golden.PathOf("Differential/Regression/sets.csv")).Skip(1).Select(l => l.Split(','))
            .GroupBy(r => int.Parse(r[0], CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.ToArray());
        var expected = File.ReadLines(Golden.PathOf("Differential/Regression/expected.csv")).Skip(1).Select(l => l.Split(','))
            .GroupBy(r => (int.Parse(r[0], CultureInfo.InvariantCulture), r[1], r[2]))
            .ToDictionary(g => g.Key, g => g.OrderBy(r => int.Parse(r[3], CultureInfo.InvariantCulture)).Select(r => Num(r[4])).ToArray());
        var mismatches = new List<string>();
        int compared = 0;
        void Compare(int set, string call, string field, double[] actual, bool matrix)
        {
            var exp = expected[(set, call, field)];
            int p = (int)Math.Round(Math.Sqrt(exp.Length));
            for (int i = 0; i < exp.Length; i++)
            {
                compared++;
                double scale = matrix ? Math.Abs(exp[i]) + Math.Sqrt(exp[(i / p * p) + (i / p)] * exp[(i % p * p) + (i % p)]) : Math.Abs(exp[i]);
                if (!(Math.Abs(exp[i] - actual[i]) <= 1e-8 * Math.Max(scale, 1e-300)))
                {
                    mismatches.Add($"set {set} {call} {field}[{i}]: R {exp[i]:R}, CarTRisk {actual[i]:R}");
                }
            }
        }

        foreach (var (set, rows) in sets)
        {
            double[] Col(int c) => rows.Select(r => Num(r[c])).ToArray();
            var t = Col(1);
            var cause = Col(2).Select(v => (int)v).ToArray();
            var x = DesignMatrix.Build(Covariate.Numeric("x1", Col(3)), Covariate.Numeric("x2", Col(4)), Covariate.Categorical("x3", rows.Select(r => r[5]).ToArray()));
            var ev = cause.Select(c => c == 1).ToArray();
            foreach (var (call, ties) in new[] { ("efron", TieMethod.Efron), ("breslow", TieMethod.Breslow) })
            {
                var fit = CoxRegression.Fit(t, ev, x, CoxOptions.Default with { Ties = ties });
                Compare(set, call, "coef", [.. fit.Coefficients], false);
                Compare(set, call, "var", [.. fit.Variance], true);
                Compare(set, call, "loglik", [fit.LogLikelihoodNull, fit.LogLikelihood], false);
                Compare(set, call, "score", [fit.Score.Statistic], false);
            }

            var weighted = CoxRegression.Fit(t, ev, x, CoxOptions.Default with
            {
                EntryTimes = Col(9), Weights = Col(6), Strata = rows.Select(r => r[7]).ToArray(), Cluster = rows.Select(r => r[8]).ToArray(),
            });
            Compare(set, "weighted", "coef", [.. weighted.Coefficients], false);
            Compare(set, "weighted", "var", [.. weighted.Variance], true);
            Compare(set, "weighted", "naive", [.. weighted.NaiveVariance], true);
            Compare(set, "weighted", "loglik", [weighted.LogLikelihoodNull, weighted.LogLikelihood], false);

            var fg = FineGray.Fit(t, cause, 1, DesignMatrix.Build(Covariate.Numeric("x1", Col(3)), Covariate.Numeric("x2", Col(4))));
            Compare(set, "crr", "coef", [.. fg.Coefficients], false);
            Compare(set, "crr", "var", [.. fg.Variance], true);
            Compare(set, "crr", "loglik", [fg.LogPseudoLikelihood], false);
        }

        foreach (var m in mismatches.Take(30))
        {
            output.WriteLine(m);
        }

        Assert.True(compared > 4000, $"only {compared} comparisons");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {compared} differ; first: {string.Join(" | ", mismatches.Take(4))}");
    }
}
