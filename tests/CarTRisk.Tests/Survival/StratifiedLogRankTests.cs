using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Survival;

public sealed class StratifiedLogRankTests
{
    // R 4.2.2, survival 3.5-3, on Golden/Reference/lung.csv with stratum = ifelse(id %% 3 == 0, "s1", "s2"):
    //   f <- survdiff(Surv(time, status) ~ group + strata(stratum), rho = rho)
    //   sprintf("%.17g", c(f$chisq, rowSums(f$obs), rowSums(f$exp)))
    [Theory]
    [InlineData(0, 10.183568480805198, 112, 53, 91.906642065903043, 73.093357934096957)]
    [InlineData(1, 12.374568420279621, 70.622273911051181, 28.928188984143084, 56.000397213080248, 43.550065682114038)]
    public void Test_Strata_MatchesSurvdiff(double rho, double chisq, double o1, double o2, double e1, double e2)
    {
        var (t, s, g) = Golden.Csv("Reference/lung.csv");
        var ids = File.ReadAllLines(Golden.PathOf("Reference/lung.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var strata = ids.Select(id => id % 3 == 0 ? "s1" : "s2").ToArray();
        var r = LogRank.Test(t, s.Select(x => x == 1).ToArray(), g, strata, rho);
        NumericAssert.Close(chisq, r.ChiSquare, 1e-10);
        NumericAssert.Close([o1, o2], r.Observed, 1e-12, 0, "observed");
        NumericAssert.Close([e1, e2], r.Expected, 1e-12, 0, "expected");
    }
}
