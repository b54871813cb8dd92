using System.Globalization;
using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Regression;

/// <summary>coxph golden values (Golden/Round2/cox.expected.json, R 4.2.2, survival 3.5-3, eps = 1e-12; see its README):
/// fits to relative 1e-8, variance elements within 1e-8 (|v| + sqrt(v_ii v_jj)).</summary>
public sealed class CoxGoldenTests
{
    internal static readonly Lazy<Dictionary<string, string[]>> Mgus2 = new(() =>
    {
        var lines = File.ReadAllLines(Golden.PathOf("Round2/mgus2.csv"));
        var head = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        return head.Select((h, c) => (h, rows.Select(r => r[c]).ToArray())).ToDictionary(x => x.h, x => x.Item2);
    });

    internal static double[] Num(string column) => Mgus2.Value[column].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    internal static DesignMatrix Design(JsonNode model) =>
        DesignMatrix.Build(model["covariates"]!.AsArray().Select(c =>
        {
            string name = (string)c!["name"]!;
            return (string)c["type"]! == "numeric"
                ? Covariate.Numeric(name, Num(name))
                : Covariate.Categorical(name, Mgus2.Value[name], (string?)c["reference"]);
        }).ToArray());

    public static TheoryData<string> Models() =>
        [.. Golden.Json("Round2/cox.expected.json")["models"]!.AsArray().Select(m => (string)m!["name"]!)];

    private static void Close(double expected, double actual, double rel, string what) =>
        NumericAssert.Close(expected, actual, rel, 0, what);

    [Theory]
    [MemberData(nameof(Models))]
    public void Fit_EqualsCoxph(string name)
    {
        var m = Golden.Json("Round2/cox.expected.json")["models"]!.AsArray().First(x => (string)x!["name"]! == name)!;
        var x = Design(m);
        Assert.Equal(m["terms"]!.AsArray().Select(t => (string)t!).ToArray(), x.Terms.ToArray());
        var options = CoxOptions.Default with
        {
            Ties = (string)m["ties"]! == "efron" ? TieMethod.Efron : TieMethod.Breslow,
            EntryTimes = m["entry"] is { } e ? Num((string)e!) : null,
            Weights = m["weights"] is { } w ? Num((string)w!) : null,
            Strata = m["strata"] is { } st ? Mgus2.Value[(string)st!] : null,
            Cluster = m["cluster"] is { } c ? Mgus2.Value[(string)c!] : null,
        };
        var time = Num((string)m["time"]!);
        var status = Num((string)m["status"]!).Select(v => v == 1).ToArray();
        var fit = CoxRegression.Fit(time, status, x, options);
        Assert.True(fit.Converged, fit.ConvergenceMessage);
        Assert.Equal((int)m["n"]!, fit.Observations);
        Assert.Equal((int)m["nevent"]!, fit.Events);
        int p = x.Columns;
        const double tol = 1e-8;
        for (int j = 0; j < p; j++)
        {
            Close(Golden.D(m["coef"]![j]), fit.Coefficients[j], tol, $"coef[{j}]");
            Close(Golden.D(m["se"]![j]), fit.StdErr[j], tol, $"se[{j}]");
            Close(Golden.D(m["hr"]![j]), fit.HazardRatio[j], tol, $"hr[{j}]");
            Close(Golden.D(m["lower"]![j]), fit.Lower[j], tol, $"lower[{j}]");
            Close(Golden.D(m["upper"]![j]), fit.Upper[j], tol, $"upper[{j}]");
            Close(Golden.D(m["z"]![j]), fit.Z[j], tol, $"z[{j}]");
            Close(Golden.D(m["p"]![j]), fit.PValue[j], tol * Math.Max(1, Math.Abs(fit.Z[j]) * Math.Abs(fit.Z[j])), $"p[{j}]");
        }

        foreach (var (field, values) in new[] { ("var", fit.Variance), ("naive_var", fit.NaiveVariance) })
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

        Close(Golden.D(m["loglik"]![0]), fit.LogLikelihoodNull, 1e-10, "loglik0");
        Close(Golden.D(m["loglik"]![1]), fit.LogLikelihood, 1e-10, "loglik");
        foreach (var (key, test) in new[] { ("likelihood_ratio", fit.LikelihoodRatio), ("wald", fit.Wald), ("score", fit.Score) })
        {
            var t = m["tests"]![key]!;
            Close(Golden.D(t["stat"]), test.Statistic, tol, key);
            Assert.Equal((int)t["df"]!, test.DegreesOfFreedom);
            Close(Golden.D(t["p"]), test.PValue, tol * Math.Max(1, test.Statistic), key + " p");
        }

        if (m["predict"] is JsonObject pr)
        {
            var profile = pr["profile"]!.AsArray().Select(Golden.D).ToArray();
            var curve = fit.PredictSurvival(profile);
            var times = pr["time"]!.AsArray().Select(Golden.D).ToArray();
            var surv = pr["surv"]!.AsArray().Select(Golden.D).ToArray();
            for (int k = 0; k < times.Length; k++)
            {
                double s = curve.At(times[k]).Survival;
                Assert.True(Math.Abs(Math.Log(s) - Math.Log(surv[k])) <= tol * Math.Max(1, Math.Abs(Math.Log(surv[k]))),
                    $"predict surv at {times[k]}: R {surv[k]:R}, CarTRisk {s:R}");
            }
        }
        else
        {
            Assert.Throws<InvalidOperationException>(() => fit.PredictSurvival(new double[p]));
        }
    }
}
