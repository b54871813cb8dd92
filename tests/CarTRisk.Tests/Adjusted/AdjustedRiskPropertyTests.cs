using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Adjusted;

/// <summary>The cart data of Golden/Round3/Adjusted (cart_adj.csv) with the confounders of the shared ate analyses.</summary>
internal static class Cart
{
    private const string Csv = "cart_adj.csv";

    public static double[] Time => AdjustedData.Num(Csv, "time");

    public static int[] Cause => [.. AdjustedData.Num(Csv, "cause").Select(v => (int)v)];

    public static string[] Product => AdjustedData.Frame(Csv)["product"];

    public static double[] Column(string name) => AdjustedData.Num(Csv, name);

    public static DesignMatrix Confounders => AdjustedData.Design(Csv, AdjustedData.Expected("ate")["analyses"]!.AsArray().First()!["covariates"]!);
}

/// <summary>Properties of the standardized risks that hold for every estimator: which treatment level is the reference
/// is a labelling choice, so renaming the levels (the reference becomes the compared level) leaves each level's risk and
/// standard error unchanged and turns the difference into its negative, with the same standard error.</summary>
public sealed class AdjustedRiskPropertyTests
{
    [Theory]
    [InlineData(RiskEstimator.GFormula)]
    [InlineData(RiskEstimator.Iptw)]
    [InlineData(RiskEstimator.Aiptw)]
    public void SwappingTheReference_LeavesEachLevelsRisk(RiskEstimator estimator)
    {
        var x = Cart.Confounders;
        var time = Cart.Time;
        var cause = Cart.Cause;
        var product = Cart.Product;
        var renamed = product.Select(p => p == "axi-cel" ? "zz-axi-cel" : p).ToArray();   // now the second level
        double[] times = [365, 1095];
        var options = AdjustedRiskOptions.Default with { Estimator = estimator };
        var a = AdjustedRisk.Estimate(time, cause, 1, product, x, times, options);
        var b = AdjustedRisk.Estimate(time, cause, 1, renamed, x, times, options);
        Assert.Equal(["axi-cel", "tisa-cel"], a.Levels.ToArray());
        Assert.Equal(["tisa-cel", "zz-axi-cel"], b.Levels.ToArray());
        foreach (var r in a.MeanRisk)
        {
            var s = b.MeanRisk.Single(m => m.Time == r.Time && m.Level == (r.Level == "axi-cel" ? "zz-axi-cel" : r.Level));
            NumericAssert.Close(r.Estimate, s.Estimate, 1e-9, 0, $"{estimator} risk {r.Level} {r.Time}");
            NumericAssert.Close(r.StdErr, s.StdErr, 1e-9, 0, $"{estimator} se {r.Level} {r.Time}");
        }

        for (int k = 0; k < times.Length; k++)
        {
            NumericAssert.Close(a.Difference[k].Estimate, -b.Difference[k].Estimate, 1e-9, 0, $"{estimator} difference {times[k]}");
            NumericAssert.Close(a.Difference[k].StdErr, b.Difference[k].StdErr, 1e-9, 0, $"{estimator} difference se {times[k]}");
        }
    }
}

/// <summary>Without a censored record (the cart data with every censoring recoded as a competing death) the IPCW weights
/// are 1 and AIPTW has no augmentation: IPTW and AIPTW still equal riskRegression::ate, which fits no censoring model
/// then. R 4.2.2, riskRegression 2022.11.28, on Golden/Round3/Adjusted/cart_adj.csv with cause 0 set to 2:
/// <c>ate(CSC(Hist(time, cause) ~ product + age + sex + prior_lines + ldh_high), treatment = glm(product ~ age + sex +
/// prior_lines + ldh_high, binomial), data, times = c(365, 1095), cause = 1, estimator = "IPTW" | "AIPTW", se = TRUE)
/// $meanRisk</c> (estimate, se; axi-cel 365, 1095, tisa-cel 365, 1095).</summary>
public sealed class AdjustedRiskWithoutCensoringTests
{
    [Theory]
    [InlineData(RiskEstimator.Iptw, new[] { 0.013741677895448447, 0.03188675251858495, 0.023361706377039028, 0.07431469903990956 },
        new[] { 0.005677709627275089, 0.0094779691642431305, 0.0079166330277036494, 0.01367053844726074 })]
    [InlineData(RiskEstimator.Aiptw, new[] { 0.013633210889517657, 0.031668139503510259, 0.023398349785308935, 0.074496665292659858 },
        new[] { 0.0056506501896639591, 0.0093255431665323386, 0.0079563148612208645, 0.013883745427155252 })]
    public void NoCensoring_EqualsAte(RiskEstimator estimator, double[] estimate, double[] se)
    {
        var cause = Cart.Cause.Select(v => v == 0 ? 2 : v).ToArray();
        var r = AdjustedRisk.Estimate(Cart.Time, cause, 1, Cart.Product, Cart.Confounders, [365, 1095],
            AdjustedRiskOptions.Default with { Estimator = estimator });
        Assert.True(r.Converged, r.ConvergenceNote);
        for (int i = 0; i < 4; i++)
        {
            NumericAssert.Close(estimate[i], r.MeanRisk[i].Estimate, 1e-8, 0, $"{estimator} estimate[{i}]");
            NumericAssert.Close(se[i], r.MeanRisk[i].StdErr, 1e-8, 0, $"{estimator} se[{i}]");
        }
    }
}

/// <summary>A time after the last follow-up time: riskRegression::ate returns NA there (R 4.2.2, riskRegression
/// 2022.11.28, ate(..., times = c(2487, 5000)) on cart_adj.csv, whose last time is 2487); CarTRisk refuses it, naming
/// the time, for every estimator, and estimates at the last time itself.</summary>
public sealed class AdjustedRiskBeyondTheDataTests
{
    [Theory]
    [InlineData(RiskEstimator.GFormula)]
    [InlineData(RiskEstimator.Iptw)]
    [InlineData(RiskEstimator.Aiptw)]
    public void TimeAfterTheLastFollowUp_IsRefused(RiskEstimator estimator)
    {
        var time = Cart.Time;
        var cause = Cart.Cause;
        var x = DesignMatrix.Build(Covariate.Numeric("age", Cart.Column("age")));
        var product = Cart.Product;
        var options = AdjustedRiskOptions.Default with { Estimator = estimator };
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => AdjustedRisk.Estimate(time, cause, 1, product, x, [365, 5000], options));
        Assert.Equal("times", ex.ParamName);
        Assert.Contains("times[1] = 5000 is after the last follow-up time 2487", ex.Message, StringComparison.Ordinal);
        var atLast = AdjustedRisk.Estimate(time, cause, 1, product, x, [2487], options);
        Assert.All(atLast.MeanRisk, r => Assert.True(double.IsFinite(r.Estimate) && double.IsFinite(r.StdErr)));
    }
}
