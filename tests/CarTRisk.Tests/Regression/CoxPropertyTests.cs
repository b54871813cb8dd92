using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CarTRisk.Tests.Regression;

/// <summary>Hand calculations with ties and properties of the Cox fit (issue 11).</summary>
public sealed class CoxPropertyTests
{
    /// <summary>One prepared copy of the data with other events (the cause-specific models of AdjustedRisk) fits bit for
    /// bit as a fresh preparation, with weights, counts and strata; no event is refused as in Fit.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void PreparedData_WithOtherEvents_FitsAsFreshData(int mode)
    {
        var rng = new Random(40 + mode);
        int n = 400;
        var t = Enumerable.Range(0, n).Select(_ => (double)rng.Next(1, 60)).ToArray();
        var cause = Enumerable.Range(0, n).Select(_ => rng.Next(0, 3)).ToArray();
        var x = DesignMatrix.Build(Covariate.Numeric("a", [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble())]),
            Covariate.Numeric("b", [.. Enumerable.Range(0, n).Select(_ => (double)rng.Next(0, 2))]));
        var options = CoxOptions.Default with
        {
            Ties = TieMethod.Efron,
            Weights = mode == 1 ? [.. Enumerable.Range(0, n).Select(_ => 0.5 + rng.NextDouble())] : null,
            Counts = mode == 2 ? [.. Enumerable.Range(0, n).Select(_ => (double)rng.Next(1, 4))] : null,
            Strata = mode == 2 ? [.. Enumerable.Range(0, n).Select(i => i % 2 == 0 ? "s1" : "s2")] : null,
        };
        var first = cause.Select(c => c == 1).ToArray();
        var second = cause.Select(c => c == 2).ToArray();
        var data = CoxData.Prepare(t, first, x, options);
        var shared = CoxRegression.FitPrepared(data.WithEvents(second), second, x, options);
        var fresh = CoxRegression.Fit(t, second, x, options);
        Assert.Equal(fresh.Coefficients.ToArray(), shared.Coefficients.ToArray());
        Assert.Equal(fresh.Variance.ToArray(), shared.Variance.ToArray());
        Assert.Equal(fresh.LogLikelihood, shared.LogLikelihood);
        Assert.Equal(fresh.Events, shared.Events);
        var none = new bool[n];
        Assert.Contains("no event", Assert.Throws<ArgumentException>(() => data.WithEvents(none)).Message);
    }

    [Fact]
    public void TinyData_WithTies_HandCalculatedPartialLikelihoods()
    {
        // Times 1, 2, 2, 3 (events 1, 1, 1, 0), one binary covariate x = 0, 1, 0, 1. At beta = b, r = e^b:
        //   t = 1: risk set all four, S0 = 2 + 2r; death x = 0.
        //   t = 2: risk set {2, 3, 4}, S0 = 1 + 2r, two deaths (x = 1 and 0): E0 = r + 1.
        // Breslow: l = 0 - log(2 + 2r) + b - 2 log(1 + 2r).
        // Efron:   l = 0 - log(2 + 2r) + b - log(1 + 2r) - log(1 + 2r - (r + 1)/2).
        double[] t = [1, 2, 2, 3];
        bool[] e = [true, true, true, false];
        var x = DesignMatrix.Build(Covariate.Numeric("x", [0, 1, 0, 1]));
        foreach (var ties in new[] { TieMethod.Breslow, TieMethod.Efron })
        {
            var fit = CoxRegression.Fit(t, e, x, CoxOptions.Default with { Ties = ties });
            Assert.True(fit.Converged);
            double b = fit.Coefficients[0], r = Math.Exp(b);
            double Ll(double bb)
            {
                double rr = Math.Exp(bb);
                return ties == TieMethod.Breslow
                    ? -Math.Log(2 + (2 * rr)) + bb - (2 * Math.Log(1 + (2 * rr)))
                    : -Math.Log(2 + (2 * rr)) + bb - Math.Log(1 + (2 * rr)) - Math.Log(1 + (2 * rr) - ((rr + 1) / 2));
            }

            Assert.Equal(Ll(b), fit.LogLikelihood, 12);
            Assert.Equal(Ll(0), fit.LogLikelihoodNull, 12);
            // the maximum: the numerical derivative vanishes
            Assert.True(Math.Abs((Ll(b + 1e-6) - Ll(b - 1e-6)) / 2e-6) < 1e-7);
            // variance = 1 / (second derivative)
            double h = 1e-4, d2 = (Ll(b + h) - (2 * Ll(b)) + Ll(b - h)) / (h * h);
            Assert.Equal(-1 / d2, fit.Variance[0], 5);
            _ = r;
        }
    }

    private static Gen<(double[] T, bool[] E, double[] X, int[] G)> Data() =>
        from n in Gen.Choose(6, 40)
        from t in Gen.ArrayOf(Gen.Choose(1, 12).Select(v => (double)v), n)
        from e in Gen.ArrayOf(Gen.Elements(true, true, false), n)
        from x in Gen.ArrayOf(Gen.Choose(-20, 20).Select(v => v / 4.0), n)
        from g in Gen.ArrayOf(Gen.Choose(0, 1), n)
        select (t, e, x, g);

    [Property(MaxTest = 60)]
    public Property PermutationInvariance_AndShiftInvariance()
    {
        return Prop.ForAll(Data().ToArbitrary(), d =>
        {
            if (d.E.Count(v => v) < 2 || d.X.Distinct().Count() < 2)
            {
                return true;
            }

            var fit = CoxRegression.Fit(d.T, d.E, DesignMatrix.Build(Covariate.Numeric("x", d.X)));
            if (!fit.Converged)
            {
                return true;   // monotone likelihood on tiny data: covered by its own test
            }

            var perm = Enumerable.Range(0, d.T.Length).Reverse().ToArray();
            var permuted = CoxRegression.Fit(perm.Select(i => d.T[i]).ToArray(), perm.Select(i => d.E[i]).ToArray(),
                DesignMatrix.Build(Covariate.Numeric("x", perm.Select(i => d.X[i]).ToArray())));
            var shifted = CoxRegression.Fit(d.T, d.E, DesignMatrix.Build(Covariate.Numeric("x", d.X.Select(v => v + 1000).ToArray())));
            return Math.Abs(fit.Coefficients[0] - permuted.Coefficients[0]) <= 1e-9 * (1 + Math.Abs(fit.Coefficients[0]))
                && Math.Abs(fit.Coefficients[0] - shifted.Coefficients[0]) <= 1e-7 * (1 + Math.Abs(fit.Coefficients[0]))
                && Math.Abs(fit.LogLikelihood - shifted.LogLikelihood) <= 1e-7 * (1 + Math.Abs(fit.LogLikelihood));
        });
    }

    [Property(MaxTest = 60)]
    public Property GroupCovariate_ScoreTestIsTheLogRankTest()
    {
        // Without tied times, the score test of a 0/1 group covariate at beta = 0 is survdiff's log-rank statistic (with
        // ties the log-rank variance carries the hypergeometric factor (n - d)/(n - 1), the Cox information does not).
        return Prop.ForAll(Data().ToArbitrary(), d0 =>
        {
            var d = d0 with { T = d0.T.Select((v, i) => v + (i * 1e-3)).ToArray() };
            if (d.G.Distinct().Count() < 2 || !d.E.Any(v => v))
            {
                return true;
            }

            var lr = LogRank.Test(d.T, d.E, d.G);
            var fit = CoxRegression.Fit(d.T, d.E, DesignMatrix.Build(Covariate.Numeric("g", d.G.Select(v => (double)v).ToArray())),
                CoxOptions.Default with { Ties = TieMethod.Breslow });
            // df = 0: one group has nobody at risk at any event time; the test has no information either way.
            return lr.DegreesOfFreedom == 0 || double.IsNaN(lr.ChiSquare) || Math.Abs(fit.Score.Statistic - lr.ChiSquare) <= 1e-9 * (1 + lr.ChiSquare);
        });
    }

    [Fact]
    public void Separation_IsReportedNotNonsense()
    {
        // Every event is in group 1: the coefficient runs off to infinity.
        double[] t = [1, 2, 3, 4, 5, 6, 7, 8];
        bool[] e = [true, true, true, false, false, false, false, false];
        var x = DesignMatrix.Build(Covariate.Numeric("g", [1, 1, 1, 1, 0, 0, 0, 0]));
        var fit = CoxRegression.Fit(t, e, x);
        Assert.False(fit.Converged);
        Assert.Contains("infinite", fit.ConvergenceMessage, StringComparison.Ordinal);
        Assert.Contains("NOT CONVERGED", fit.ToTable().ToText(DisclosurePolicy.None), StringComparison.Ordinal);

        // FsCheck found this one: events ordered by x; the score and information both vanish far out (beta ~ 28), so the
        // Newton steps shrink although there is no finite maximum. Each ordering and shift must say so.
        double[] t2 = [5, 6, 10, 12, 6, 5, 1];
        bool[] e2 = [false, true, false, true, false, true, false];
        double[] x2 = [-4.75, -0.25, -4.25, -4.25, -4.0, 1.0, 1.25];
        var sep = CoxRegression.Fit(t2, e2, DesignMatrix.Build(Covariate.Numeric("x", x2)));
        Assert.False(sep.Converged);
        Assert.Contains("infinite", sep.ConvergenceMessage, StringComparison.Ordinal);
        var reversed = Enumerable.Range(0, 7).Reverse().ToArray();
        var sep2 = CoxRegression.Fit(reversed.Select(i => t2[i]).ToArray(), reversed.Select(i => e2[i]).ToArray(), DesignMatrix.Build(Covariate.Numeric("x", reversed.Select(i => x2[i]).ToArray())));
        Assert.Contains("infinite", sep2.ConvergenceMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void BadInput_ClearErrors()
    {
        var x = DesignMatrix.Build(Covariate.Numeric("x", [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => CoxRegression.Fit([1.0, 2], [true, false], x));
        Assert.Throws<ArgumentException>(() => CoxRegression.Fit([1.0, 2, 3], [false, false, false], x));
        Assert.Throws<ArgumentOutOfRangeException>(() => CoxRegression.Fit([1.0, -2, 3], [true, false, true], x));
        Assert.Throws<ArgumentOutOfRangeException>(() => CoxRegression.Fit([1.0, 2, 3], [true, false, true], x, CoxOptions.Default with { Weights = [1, 0, 1] }));
        Assert.Throws<ArgumentException>(() => CoxRegression.Fit([1.0, 2, 3], [true, false, true], x, CoxOptions.Default with { EntryTimes = [0, 2, 1] }));
        var missing = Assert.Throws<ArgumentException>(() => DesignMatrix.Build(Covariate.Numeric("age", [1, double.NaN, 3])));
        Assert.Contains("age", missing.Message, StringComparison.Ordinal);
        Assert.Contains("1", missing.Message, StringComparison.Ordinal);
        var design = DesignMatrix.Build(Covariate.Categorical("product", ["ide-cel", "axi-cel", "cilta-cel", "axi-cel"]));
        Assert.Equal(["productcilta-cel", "productide-cel"], design.Terms.ToArray());
        var withRef = DesignMatrix.Build(Covariate.Categorical("product", ["ide-cel", "axi-cel", "cilta-cel", "axi-cel"], "ide-cel"));
        Assert.Equal(["productaxi-cel", "productcilta-cel"], withRef.Terms.ToArray());
        Assert.Equal(1.0, withRef[1, 0]);
    }

    [Fact]
    public void AggregatedCounts_EqualTheExpandedRows()
    {
        // (time, event, covariate pattern, count) rows as a GROUP BY gives, against the same records one by one.
        var rng = new Random(5);
        var rows = Enumerable.Range(0, 40).Select(_ => (T: (double)rng.Next(1, 8), E: rng.NextDouble() < 0.6, X: (double)rng.Next(0, 3), G: rng.Next(0, 2), C: rng.Next(1, 5), Cl: "k" + rng.Next(0, 6)))
            .GroupBy(r => (r.T, r.E, r.X, r.G, r.Cl)).Select(g => (g.Key.T, g.Key.E, g.Key.X, g.Key.G, C: g.Sum(r => r.C), g.Key.Cl)).ToArray();
        var expanded = rows.SelectMany(r => Enumerable.Repeat(r, r.C)).ToArray();
        foreach (var ties in new[] { TieMethod.Efron, TieMethod.Breslow })
        {
            foreach (bool cluster in new[] { false, true })
            {
                var agg = CoxRegression.Fit(rows.Select(r => r.T).ToArray(), rows.Select(r => r.E).ToArray(),
                    DesignMatrix.Build(Covariate.Numeric("x", rows.Select(r => r.X).ToArray()), Covariate.Numeric("g", rows.Select(r => (double)r.G).ToArray())),
                    CoxOptions.Default with { Ties = ties, Counts = rows.Select(r => (double)r.C).ToArray(), Cluster = cluster ? rows.Select(r => r.Cl).ToArray() : null });
                var full = CoxRegression.Fit(expanded.Select(r => r.T).ToArray(), expanded.Select(r => r.E).ToArray(),
                    DesignMatrix.Build(Covariate.Numeric("x", expanded.Select(r => r.X).ToArray()), Covariate.Numeric("g", expanded.Select(r => (double)r.G).ToArray())),
                    CoxOptions.Default with { Ties = ties, Cluster = cluster ? expanded.Select(r => r.Cl).ToArray() : null });
                Assert.Equal(full.Observations, agg.Observations);
                Assert.Equal(full.Events, agg.Events);
                for (int j = 0; j < 2; j++)
                {
                    Assert.Equal(full.Coefficients[j], agg.Coefficients[j], 1e-10);
                    for (int k = 0; k < 2; k++)
                    {
                        Assert.Equal(full.Variance[(j * 2) + k], agg.Variance[(j * 2) + k], 1e-12);
                    }
                }

                Assert.Equal(full.LogLikelihood, agg.LogLikelihood, 1e-9);
                Assert.Equal(full.Score.Statistic, agg.Score.Statistic, 1e-9);
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => CoxRegression.Fit([1.0, 2], [true, false], DesignMatrix.Build(Covariate.Numeric("x", [0, 1])), CoxOptions.Default with { Counts = [1, 1.5] }));
    }
}
