using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Adjusted;

/// <summary>60 random tied data sets (Golden/Round3/AdjustedDiff/generate.R, R 4.2.2, survival 3.5-3): glm (binomial with
/// weights, proportions, Poisson with offset), weighted KM and AJ with robust SEs, weighted robust Cox (Efron, Breslow)
/// and weighted Fine-Gray, every field compared (fits 1e-8, closed forms 1e-10).</summary>
public sealed class AdjustedDifferentialTests
{
    private static readonly Lazy<JsonArray> Cases = new(() => Golden.Json("Round3/AdjustedDiff/diff.json")["cases"]!.AsArray());

    public static TheoryData<int> Indices() => [.. Enumerable.Range(0, 60)];

    private static double[] A(JsonNode? n) => Golden.Array(n);

    private static DesignMatrix X(JsonNode c, int[]? rows = null)
    {
        var x1 = A(c["x1"]);
        var g = c["g"]!.AsArray().Select(v => (string?)v).ToArray();
        rows ??= [.. Enumerable.Range(0, x1.Length)];
        return DesignMatrix.Build(Covariate.Numeric("x1", rows.Select(i => x1[i]).ToArray()), Covariate.Categorical("g", rows.Select(i => g[i]).ToArray()));
    }

    private static void Glm(JsonNode e, GlmModel fit, string what)
    {
        // glm's warning rule on R's own fitted values: separated fits compare the flag and the deviance's limit only
        bool separated = A(e["fitted"]).Any(m => m < 10 * 2.220446049250313e-16 || (fit.Family == GlmFamily.Binomial && m > 1 - (10 * 2.220446049250313e-16)));
        Assert.Equal(separated, fit.PossiblySeparated);
        if (separated)
        {
            Assert.False(fit.Converged);
            NumericAssert.Close(Golden.D(e["deviance"]![0]), fit.Deviance, 0, 1e-6, what + " deviance (limit)");
            return;
        }

        if (A(e["coef"]).Skip(1).Any(b => Math.Abs(b) > 10))
        {
            // a level without events: R stops near -30 where the likelihood is flat; CarTRisk must say it has no optimum
            Assert.False(fit.Converged, $"{what}: R's coefficients diverge but the fit says converged");
            NumericAssert.Close(Golden.D(e["deviance"]![0]), fit.Deviance, 0, 1e-6, what + " deviance (limit)");
            return;
        }

        Assert.True(fit.Converged, $"{what}: {fit.ConvergenceNote}");
        AdjustedData.Close(e["coef"], fit.Coefficients, 1e-8, what + " coef");
        AdjustedData.Close(e["se"], fit.StdErr, 1e-8, what + " se");
        NumericAssert.Close(Golden.D(e["deviance"]![0]), fit.Deviance, 1e-8, 1e-12, what + " deviance");
        NumericAssert.Close(Golden.D(e["null_deviance"]![0]), fit.NullDeviance, 1e-10, 0, what + " null deviance");
        NumericAssert.Close(Golden.D(e["aic"]![0]), fit.Aic, 1e-8, 0, what + " aic");
        NumericAssert.Close(Golden.D(e["loglik"]![0]), fit.LogLikelihood, 1e-8, 0, what + " loglik");
        Assert.Equal((int)e["df_residual"]![0]!, fit.DfResidual);
        AdjustedData.Close(e["fitted"], fit.FittedValues, 1e-8, what + " fitted");
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void Glm_EqualsR(int index)
    {
        var c = Cases.Value[index]!;
        var x = X(c);
        Glm(c["glm_binomial"]!, CarTRisk.Glm.Fit(x, A(c["yb"]), GlmFamily.Binomial, GlmOptions.Default with { Weights = A(c["w"]) }), $"case {index} binomial");
        Glm(c["glm_prop"]!, CarTRisk.Glm.Fit(x, A(c["yp"]), GlmFamily.Binomial, GlmOptions.Default with { Weights = A(c["trials"]) }), $"case {index} proportions");
        Glm(c["glm_poisson"]!, CarTRisk.Glm.Fit(x, A(c["cnt"]), GlmFamily.Poisson, GlmOptions.Default with { Offset = A(c["py"]).Select(v => Math.Log(v)).ToArray() }), $"case {index} poisson");
    }

    private static (double[] Time, int[] Cause, double[] W, int[] Rows) Positive(JsonNode c)
    {
        var w = A(c["w"]);
        var rows = Enumerable.Range(0, w.Length).Where(i => w[i] > 0).ToArray();
        var t = A(c["time"]);
        var cause = A(c["cause"]);
        return ([.. rows.Select(i => t[i])], [.. rows.Select(i => (int)cause[i])], [.. rows.Select(i => w[i])], rows);
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void WeightedCurves_EqualSurvfit(int index)
    {
        var c = Cases.Value[index]!;
        var (t, cause, w, _) = Positive(c);
        var km = KaplanMeier.Estimate(t, cause.Select(v => v > 0).ToArray(), KaplanMeierOptions.Default with { Weights = w });
        var e = c["km"]!;
        AdjustedData.Close(e["time"], km.Time, 0, $"case {index} km time");
        AdjustedData.Close(e["surv"], km.Survival, 1e-10, $"case {index} surv");
        var se = A(e["std_err"]);
        for (int i = 0; i < se.Length; i++)
        {
            NumericAssert.Close(se[i], km.StdErr[i], 1e-10, 1e-15, $"case {index} km se[{i}]");
        }

        var aj = CumulativeIncidence.Estimate(t, cause, 1, CumulativeIncidenceOptions.Default with { Weights = w });
        var p = c["aj"]!["pstate"]!.AsArray();
        var s = c["aj"]!["std_err"]!.AsArray();
        Assert.Equal(p.Count, aj.Time.Length);
        for (int j = 0; j < p.Count; j++)
        {
            NumericAssert.Close(Golden.D(p[j]![0]), aj.EventFree[j], 1e-10, 1e-13, $"case {index} s0[{j}]");
            NumericAssert.Close(Golden.D(p[j]![1]), aj.EstimateByCause[0][j], 1e-10, 1e-13, $"case {index} F1[{j}]");
            NumericAssert.Close(Golden.D(p[j]![2]), aj.EstimateByCause[1][j], 1e-10, 1e-13, $"case {index} F2[{j}]");
            for (int st = 0; st < 3; st++)
            {
                NumericAssert.Close(Golden.D(s[j]![st]), aj.JackknifeStdErr[st][j], 1e-10, 1e-13, $"case {index} se{st}[{j}]");
            }
        }
    }

    private static bool Diverged(JsonNode? coef) => A(coef).Any(b => Math.Abs(b) > 10);

    [Theory]
    [MemberData(nameof(Indices))]
    public void WeightedCoxAndFineGray_EqualR(int index)
    {
        var c = Cases.Value[index]!;
        var (t, cause, w, rows) = Positive(c);
        var x = X(c, rows);
        foreach (var e in c["cox"]!.AsArray())
        {
            var ties = (string)e!["ties"]![0]! == "efron" ? TieMethod.Efron : TieMethod.Breslow;
            var fit = CoxRegression.Fit(t, cause.Select(v => v > 0).ToArray(), x, CoxOptions.Default with { Weights = w, Robust = true, Ties = ties });
            if (Diverged(e["coef"]))
            {
                // R stops at a coefficient near -30 (monotone likelihood); CarTRisk must say it did not converge
                Assert.False(fit.Converged, $"case {index}: R's coefficients diverge but the fit says converged");
                continue;
            }

            Assert.True(fit.Converged, fit.ConvergenceNote);
            AdjustedData.Close(e["coef"], fit.Coefficients, 1e-8, $"case {index} {ties} coef");
            AdjustedData.Matrix(e["var"], fit.Variance, 1e-8, $"case {index} {ties} var");
            AdjustedData.Matrix(e["naive_var"], fit.NaiveVariance, 1e-8, $"case {index} {ties} naive");
            NumericAssert.Close(Golden.D(e["loglik"]![1]), fit.LogLikelihood, 1e-8, 0, $"case {index} {ties} loglik");
        }

        var f = c["finegray"]!;
        var fg = FineGray.Fit(t, cause, 1, x, FineGrayOptions.Default with { Weights = w });
        Assert.Equal((int)f["rows"]![0]!, fg.ExpandedRows);
        if (Diverged(f["coef"]))
        {
            Assert.False(fg.Converged, $"case {index}: R's coefficients diverge but the fit says converged");
            return;
        }

        Assert.True(fg.Converged, fg.ConvergenceNote);
        AdjustedData.Close(f["coef"], fg.Coefficients, 1e-8, $"case {index} fg coef");
        AdjustedData.Matrix(f["var"], fg.Variance, 1e-8, $"case {index} fg var");
        AdjustedData.Matrix(f["naive_var"], fg.InverseInformation, 1e-8, $"case {index} fg naive");
        NumericAssert.Close(Golden.D(f["loglik"]![0]), fg.LogPseudoLikelihoodNull, 1e-8, 0, $"case {index} fg loglik0");
        NumericAssert.Close(Golden.D(f["loglik"]![1]), fg.LogPseudoLikelihood, 1e-8, 0, $"case {index} fg loglik");
    }
}
