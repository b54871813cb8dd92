using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Adjusted;

/// <summary>Weighted Cox with the robust variance (coxph(weights, robust = TRUE)) and weighted Fine-Gray (finegray() +
/// weighted coxph with id) against Golden/Round3/Adjusted/{cox,finegray}.expected.json: fits at 1e-8.</summary>
public sealed class WeightedCoxGoldenTests
{
    public static TheoryData<string> CoxModels() =>
        [.. AdjustedData.Expected("cox")["models"]!.AsArray().Select(m => (string)m!["name"]!)];

    public static TheoryData<string> FineGrayModels() =>
        [.. AdjustedData.Expected("finegray")["models"]!.AsArray().Select(m => (string)m!["name"]!)];

    internal static void AssertModel(JsonNode m, IReadOnlyList<string> terms, IReadOnlyList<double> coef, IReadOnlyList<double> se,
        IReadOnlyList<double> z, IReadOnlyList<double> p, IReadOnlyList<double> hr, IReadOnlyList<double> lower, IReadOnlyList<double> upper,
        IReadOnlyList<double> variance, IReadOnlyList<double> naive, double ll0, double ll)
    {
        const double tol = 1e-8;
        Assert.Equal(m["terms"]!.AsArray().Select(t => (string)t!).ToArray(), terms.ToArray());
        AdjustedData.Close(m["coef"], coef, tol, "coef");
        AdjustedData.Close(m["se"], se, tol, "se");
        AdjustedData.Close(m["z"], z, tol, "z");
        AdjustedData.Close(m["hr"], hr, tol, "hr");
        AdjustedData.Close(m["lower"], lower, tol, "lower");
        AdjustedData.Close(m["upper"], upper, tol, "upper");
        for (int j = 0; j < p.Count; j++)
        {
            NumericAssert.Close(Golden.D(m["p"]![j]), p[j], tol * Math.Max(1, z[j] * z[j]), 0, $"p[{j}]");
        }

        AdjustedData.Matrix(m["var"], variance, tol, "var");
        AdjustedData.Matrix(m["naive_var"], naive, tol, "naive_var");
        NumericAssert.Close(Golden.D(m["loglik"]![0]), ll0, tol, 0, "loglik0");
        NumericAssert.Close(Golden.D(m["loglik"]![1]), ll, tol, 0, "loglik");
    }

    [Theory]
    [MemberData(nameof(CoxModels))]
    public void WeightedRobustCox_EqualsCoxph(string name)
    {
        var m = AdjustedData.Expected("cox")["models"]!.AsArray().First(x => (string)x!["name"]! == name)!;
        string csv = (string)m["csv"]!;
        var x = AdjustedData.Design(csv, m["covariates"]!);
        var fit = CoxRegression.Fit(AdjustedData.Num(csv, (string)m["time"]!), AdjustedData.Num(csv, (string)m["status"]!).Select(v => v == 1).ToArray(), x,
            CoxOptions.Default with { Weights = AdjustedData.Num(csv, (string)m["weights"]!), Robust = true });
        Assert.True(fit.Converged, fit.ConvergenceNote);
        Assert.Equal((int)m["nevent"]!, fit.Events);
        AssertModel(m, fit.Terms, fit.Coefficients, fit.StdErr, fit.Z, fit.PValue, fit.HazardRatio, fit.Lower, fit.Upper,
            fit.Variance, fit.NaiveVariance, fit.LogLikelihoodNull, fit.LogLikelihood);
    }

    [Theory]
    [MemberData(nameof(FineGrayModels))]
    public void WeightedFineGray_EqualsFinegrayCoxph(string name)
    {
        var m = AdjustedData.Expected("finegray")["models"]!.AsArray().First(x => (string)x!["name"]! == name)!;
        string csv = (string)m["csv"]!;
        var x = AdjustedData.Design(csv, m["covariates"]!);
        var cause = AdjustedData.Num(csv, (string)m["cause"]!).Select(v => (int)v).ToArray();
        var fit = FineGray.Fit(AdjustedData.Num(csv, (string)m["time"]!), cause, (int)m["failcode"]!, x,
            FineGrayOptions.Default with { Weights = AdjustedData.Num(csv, (string)m["weights"]!) });
        Assert.True(fit.Converged, fit.ConvergenceNote);
        Assert.Equal((int)m["expanded_rows"]!, fit.ExpandedRows);
        AssertModel(m, fit.Terms, fit.Coefficients, fit.StdErr, fit.Z, fit.PValue, fit.SubdistributionHazardRatio, fit.Lower, fit.Upper,
            fit.Variance, fit.InverseInformation, fit.LogPseudoLikelihoodNull, fit.LogPseudoLikelihood);
    }
}
