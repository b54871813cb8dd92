namespace CarTRisk.Tests.Scale;

/// <summary>Models from aggregates: a Cox fit on (time, event, covariate pattern, count) rows, as a warehouse's GROUP BY
/// returns them, equals the fit on the patient rows (Efron and Breslow, heavy ties).</summary>
public sealed class AggregateModelTests
{
    [Theory]
    [InlineData(TieMethod.Efron, 1)]
    [InlineData(TieMethod.Breslow, 2)]
    [InlineData(TieMethod.Efron, 3)]
    public void Cox_FromPatternCounts_EqualsTheRowLevelFit(TieMethod ties, int seed)
    {
        var rng = new Random(seed);
        int n = 3000;
        var product = new string?[n];
        var sex = new string?[n];
        var time = new double[n];
        var evt = new bool[n];
        for (int i = 0; i < n; i++)
        {
            product[i] = rng.Next(3) switch { 0 => "axi-cel", 1 => "tisa-cel", _ => "ide-cel" };
            sex[i] = rng.Next(2) == 0 ? "female" : "male";
            double hazard = 0.002 * (product[i] == "ide-cel" ? 2 : 1) * (sex[i] == "male" ? 1.5 : 1);
            time[i] = Math.Ceiling(Math.Min(-Math.Log(1 - rng.NextDouble()) / hazard, rng.Next(30, 1500)) / 30) * 30;   // monthly: heavy ties
            evt[i] = -Math.Log(1 - rng.NextDouble()) / hazard < time[i] && rng.NextDouble() < 0.7;
        }

        var rows = CoxRegression.Fit(time, evt, DesignMatrix.Build(Covariate.Categorical("product", product, "axi-cel"), Covariate.Categorical("sex", sex, "female")),
            CoxOptions.Default with { Ties = ties });

        var groups = Enumerable.Range(0, n).GroupBy(i => (time[i], evt[i], product[i], sex[i])).ToArray();
        var aggregated = CoxRegression.Fit(groups.Select(g => g.Key.Item1).ToArray(), groups.Select(g => g.Key.Item2).ToArray(),
            DesignMatrix.Build(Covariate.Categorical("product", groups.Select(g => g.Key.Item3).ToArray(), "axi-cel"),
                Covariate.Categorical("sex", groups.Select(g => g.Key.Item4).ToArray(), "female")),
            CoxOptions.Default with { Ties = ties, Counts = groups.Select(g => (double)g.Count()).ToArray() });

        Assert.True(groups.Length < n / 5, $"{groups.Length} patterns");
        Assert.Equal(rows.Terms.ToArray(), aggregated.Terms.ToArray());
        for (int j = 0; j < rows.Coefficients.Length; j++)
        {
            Assert.Equal(rows.Coefficients[j], aggregated.Coefficients[j], 1e-10);
            Assert.Equal(rows.StdErr[j], aggregated.StdErr[j], 1e-10);
        }

        Assert.Equal(rows.LogLikelihood, aggregated.LogLikelihood, 1e-8);
        Assert.Equal(rows.LogLikelihoodNull, aggregated.LogLikelihoodNull, 1e-8);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void FineGray_FromPatternCounts_EqualsTheRowLevelFit(int seed)
    {
        var rng = new Random(seed);
        int n = 2000;
        var product = new string?[n];
        var time = new double[n];
        var cause = new int[n];
        for (int i = 0; i < n; i++)
        {
            product[i] = rng.Next(3) switch { 0 => "axi-cel", 1 => "tisa-cel", _ => "ide-cel" };
            time[i] = 30 * (1 + rng.Next(40));
            cause[i] = rng.NextDouble() switch { < 0.1 => 1, < 0.35 => 2, _ => 0 } + (product[i] == "ide-cel" && rng.NextDouble() < 0.05 ? 1 : 0);
            cause[i] = Math.Min(cause[i], 2);
        }

        var rows = FineGray.Fit(time, cause, 1, DesignMatrix.Build(Covariate.Categorical("product", product, "axi-cel")));
        var groups = Enumerable.Range(0, n).GroupBy(i => (time[i], cause[i], product[i])).ToArray();
        var aggregated = FineGray.Fit(groups.Select(g => g.Key.Item1).ToArray(), groups.Select(g => g.Key.Item2).ToArray(), 1,
            DesignMatrix.Build(Covariate.Categorical("product", groups.Select(g => g.Key.Item3).ToArray(), "axi-cel")),
            FineGrayOptions.Default with { Counts = groups.Select(g => (double)g.Count()).ToArray() });
        Assert.True(groups.Length < n / 4, $"{groups.Length} patterns");
        for (int j = 0; j < rows.Coefficients.Length; j++)
        {
            Assert.Equal(rows.Coefficients[j], aggregated.Coefficients[j], 1e-10);
            Assert.Equal(rows.StdErr[j], aggregated.StdErr[j], 1e-10);
        }

        Assert.Equal(rows.LogPseudoLikelihood, aggregated.LogPseudoLikelihood, 1e-8);
        Assert.Throws<ArgumentException>(() => FineGray.Fit([1.0], [1], 1, DesignMatrix.Build(Covariate.Numeric("x", [1.0])), FineGrayOptions.Default with { Counts = [0.5] }));
    }
}
