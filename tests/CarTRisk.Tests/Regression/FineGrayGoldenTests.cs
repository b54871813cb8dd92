using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Regression;

/// <summary>crr golden values (Golden/Round2/finegray.expected.json, cmprsk 2.2-11, gtol = 1e-12): fits to relative 1e-8.</summary>
public sealed class FineGrayGoldenTests
{
    public static TheoryData<string> Models() =>
        [.. Golden.Json("Round2/finegray.expected.json")["models"]!.AsArray().Select(m => (string)m!["name"]!)];

    [Theory]
    [MemberData(nameof(Models))]
    public void Fit_EqualsCrr(string name)
    {
        var m = Golden.Json("Round2/finegray.expected.json")["models"]!.AsArray().First(x => (string)x!["name"]! == name)!;
        var x = CoxGoldenTests.Design(m);
        Assert.Equal(m["terms"]!.AsArray().Select(t => (string)t!).ToArray(), x.Terms.ToArray());
        var time = CoxGoldenTests.Num((string)m["time"]!);
        var cause = CoxGoldenTests.Num((string)m["cause"]!).Select(v => (int)v).ToArray();
        var fit = FineGray.Fit(time, cause, (int)m["failcode"]!, x);
        Assert.True(fit.Converged, fit.ConvergenceMessage);
        Assert.Equal((int)m["nevent"]!, fit.Events);
        Assert.Equal((int)m["ncompeting"]!, fit.CompetingEvents);
        int p = x.Columns;
        const double tol = 1e-8;
        for (int j = 0; j < p; j++)
        {
            NumericAssert.Close(Golden.D(m["coef"]![j]), fit.Coefficients[j], tol, 0, $"coef[{j}]");
            NumericAssert.Close(Golden.D(m["se"]![j]), fit.StdErr[j], tol, 0, $"se[{j}]");
            NumericAssert.Close(Golden.D(m["shr"]![j]), fit.SubdistributionHazardRatio[j], tol, 0, $"shr[{j}]");
            NumericAssert.Close(Golden.D(m["lower"]![j]), fit.Lower[j], tol, 0, $"lower[{j}]");
            NumericAssert.Close(Golden.D(m["upper"]![j]), fit.Upper[j], tol, 0, $"upper[{j}]");
            NumericAssert.Close(Golden.D(m["p"]![j]), fit.PValue[j], tol * Math.Max(1, fit.Z[j] * fit.Z[j]), 0, $"p[{j}]");
        }

        foreach (var (field, values) in new[] { ("var", fit.Variance), ("invinf", fit.InverseInformation) })
        {
            for (int i = 0; i < p; i++)
            {
                for (int j = 0; j < p; j++)
                {
                    double ev = Golden.D(m[field]![(i * p) + j]);
                    double scale = Math.Abs(ev) + Math.Sqrt(Golden.D(m[field]![(i * p) + i]) * Golden.D(m[field]![(j * p) + j]));
                    Assert.True(Math.Abs(ev - values[(i * p) + j]) <= tol * scale, $"{field}[{i},{j}]: R {ev:R}, CarTRisk {values[(i * p) + j]:R}");
                }
            }
        }

        NumericAssert.Close(Golden.D(m["loglik"]), fit.LogPseudoLikelihood, 1e-10, 0, "loglik");
        NumericAssert.Close(Golden.D(m["loglik_null"]), fit.LogPseudoLikelihoodNull, 1e-10, 0, "loglik_null");
        var pr = (JsonObject)m["predict"]!;
        var pred = fit.PredictCumulativeIncidence(pr["profile"]!.AsArray().Select(Golden.D).ToArray());
        var times = pr["time"]!.AsArray().Select(Golden.D).ToArray();
        var est = pr["estimate"]!.AsArray().Select(Golden.D).ToArray();
        Assert.Equal(times, pred.Time.ToArray());
        for (int k = 0; k < times.Length; k++)
        {
            NumericAssert.Close(est[k], pred.Estimate[k], tol, 0, $"predict[{k}]");
        }
    }
}
