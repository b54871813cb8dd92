using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CarTRisk.Tests.Adjusted;

/// <summary>Properties and hand calculations with ties for the round-3 estimators: weighted curves, multi-state,
/// matching, glm, survSplit.</summary>
public sealed class Round3PropertyTests
{
    private static Arbitrary<(double[] T, int[] C, double[] W)> Data() =>
        (from n in Gen.Choose(2, 50)
         from t in Gen.ArrayOf(Gen.Choose(1, 20).Select(x => (double)x), n)
         from c in Gen.ArrayOf(Gen.Choose(0, 2), n)
         from w in Gen.ArrayOf(Gen.Choose(1, 40).Select(x => x / 10.0), n)
         select (t, c, w)).ToArbitrary();

    [Property(MaxTest = 150)]
    public Property WeightedCurves_UnitWeightsGiveTheUnweightedEstimate_AndScaleFreeErrors()
    {
        return Prop.ForAll(Data(), d =>
        {
            var ev = d.C.Select(c => c > 0).ToArray();
            var plain = KaplanMeier.Estimate(d.T, ev);
            var unit = KaplanMeier.Estimate(d.T, ev, KaplanMeierOptions.Default with { Weights = [.. d.T.Select(_ => 1.0)] });
            var w = KaplanMeier.Estimate(d.T, ev, KaplanMeierOptions.Default with { Weights = d.W });
            var w3 = KaplanMeier.Estimate(d.T, ev, KaplanMeierOptions.Default with { Weights = [.. d.W.Select(x => x * 3)] });
            bool ok = true;
            for (int i = 0; i < plain.Time.Length; i++)
            {
                ok &= Math.Abs(plain.Survival[i] - unit.Survival[i]) < 1e-12;
                ok &= Math.Abs(w.Survival[i] - w3.Survival[i]) < 1e-12;
                ok &= double.IsNaN(w.StdErr[i]) ? double.IsNaN(w3.StdErr[i]) : Math.Abs(w.StdErr[i] - w3.StdErr[i]) < 1e-12;
                ok &= w.AtRisk[i] == plain.AtRisk[i];   // counts stay unweighted
            }

            var aj = CumulativeIncidence.Estimate(d.T, d.C, 1, CumulativeIncidenceOptions.Default with { Weights = d.W });
            for (int i = 0; i < aj.Time.Length; i++)
            {
                double total = aj.EventFree[i] + aj.EstimateByCause.Sum(f => f[i]);
                ok &= Math.Abs(total - 1) < 1e-12;
            }

            return ok;
        });
    }

    [Property(MaxTest = 150)]
    public Property MultiState_CompetingRisks_EqualsAalenJohansen_AndSumsToOne()
    {
        return Prop.ForAll(Data(), d =>
        {
            int n = d.T.Length;
            var to = d.C.Select(c => c == 0 ? "censor" : c == 1 ? "cause1" : "cause2").ToArray();
            var ids = Enumerable.Range(0, n).Select(i => "S" + i).ToArray();
            var ms = CarTRisk.MultiState.AalenJohansen(new double[n], d.T, to, ids, MultiStateOptions.Default with { Weights = d.W });
            var aj = CumulativeIncidence.Estimate(d.T, d.C, 1, CumulativeIncidenceOptions.Default with { Weights = d.W });
            bool ok = true;
            int s = ms.States.Length;
            int c1 = ms.States.IndexOf("cause1");
            for (int i = 0; i < ms.Times.Length; i++)
            {
                ok &= Math.Abs(Enumerable.Range(0, s).Sum(k => ms.Probability[(i * s) + k]) - 1) < 1e-12;
                int row = Array.IndexOf(aj.Time.ToArray(), ms.Times[i]);
                if (c1 >= 0 && row >= 0)
                {
                    ok &= Math.Abs(ms.Probability[(i * s) + c1] - aj.EstimateByCause[0][row]) < 1e-12;
                    ok &= Math.Abs(ms.StdErr[(i * s) + c1] - aj.JackknifeStdErr[1][row]) < 1e-10;
                }
            }

            return ok;
        });
    }

    [Property(MaxTest = 150)]
    public Property Matching_UsesEachControlOnce_AndWeightsAddUp()
    {
        var gen = (from n in Gen.Choose(4, 60)
                   from d in Gen.ArrayOf(Gen.Choose(0, 20).Select(x => x / 20.0), n)
                   from t in Gen.ArrayOf(Gen.Elements(true, false, false), n)
                   from ratio in Gen.Choose(1, 3)
                   select (d, t, ratio)).ToArbitrary();
        return Prop.ForAll(gen, x =>
        {
            int n1 = x.t.Count(b => b), n0 = x.t.Length - n1;
            if (n1 == 0 || n0 < x.ratio)
            {
                return true;
            }

            var r = Matching.Nearest(x.d, x.t, MatchingOptions.Default with { Ratio = x.ratio });
            var used = r.MatchMatrix.SelectMany(m => m).ToArray();
            bool ok = used.Length == used.Distinct().Count() && used.All(k => !x.t[k]);
            ok &= Math.Abs(Enumerable.Range(0, x.t.Length).Where(i => !x.t[i]).Sum(i => r.Weights[i]) - r.MatchedControl) < 1e-9;
            ok &= r.MatchedControl == used.Length && r.MatchedTreated == r.MatchMatrix.Count(m => m.Length > 0);
            ok &= r.MatchedTreated == Math.Min(n1, n0);
            return ok;
        });
    }

    [Property(MaxTest = 100)]
    public Property Glm_ScoreVanishes_AndFitsStayInRange()
    {
        var gen = (from n in Gen.Choose(12, 80)
                   from x in Gen.ArrayOf(Gen.Choose(-20, 20).Select(v => v / 10.0), n)
                   from y in Gen.ArrayOf(Gen.Elements(0.0, 1.0), n)
                   select (x, y)).ToArbitrary();
        return Prop.ForAll(gen, d =>
        {
            if (d.y.Distinct().Count() < 2 || d.x.Distinct().Count() < 2)
            {
                return true;
            }

            var fit = Glm.Fit(DesignMatrix.Build(Covariate.Numeric("x", d.x)), d.y, GlmFamily.Binomial);
            if (!fit.Converged)
            {
                return fit.PossiblySeparated || fit.ConvergenceNote is not null;
            }

            // the score X'(y - mu) is ~0 and the mean of the fitted values is the mean outcome (the intercept's equation)
            bool ok = Math.Abs(fit.FittedValues.Sum() - d.y.Sum()) < 1e-8 * d.y.Length;
            ok &= fit.FittedValues.All(m => m > 0 && m < 1);
            ok &= fit.GradientNorm < 1e-6;
            return ok;
        });
    }

    [Property(MaxTest = 150)]
    public Property SurvSplit_PiecesCoverEachRowExactly()
    {
        var gen = (from n in Gen.Choose(1, 20)
                   from a in Gen.ArrayOf(Gen.Choose(0, 50).Select(v => (double)v), n)
                   from len in Gen.ArrayOf(Gen.Choose(1, 50).Select(v => (double)v), n)
                   from cuts in Gen.ArrayOf(Gen.Choose(0, 100).Select(v => (double)v), 4)
                   select (a, len, cuts)).ToArbitrary();
        return Prop.ForAll(gen, d =>
        {
            var stop = d.a.Zip(d.len, (x, l) => x + l).ToArray();
            var status = Enumerable.Range(0, d.a.Length).Select(i => i % 2).ToArray();
            var r = CountingProcess.SurvSplit(d.a, stop, status, d.cuts);
            bool ok = true;
            for (int i = 0; i < d.a.Length; i++)
            {
                var pieces = Enumerable.Range(0, r.Row.Length).Where(k => r.Row[k] == i).ToArray();
                ok &= r.Start[pieces[0]] == d.a[i] && r.Stop[pieces[^1]] == stop[i];
                ok &= pieces.Zip(pieces.Skip(1), (p, q) => r.Stop[p] == r.Start[q]).All(b => b);
                ok &= r.Status[pieces[^1]] == status[i] && pieces[..^1].All(k => r.Status[k] == 0);
            }

            return ok;
        });
    }

    [Fact]
    public void WeightedKaplanMeier_HandCalculation_WithTies()
    {
        // times 1, 1, 2, 3 (events at 1, 1 and 3; 2 censored), weights 1, 2, 1, 1
        var km = KaplanMeier.Estimate([1, 1, 2, 3], [true, true, false, true], KaplanMeierOptions.Default with { Weights = [1, 2, 1, 1] });
        // S(1) = 1 - 3/5 = 0.4; S(3) = 0.4 * (1 - 1/1) = 0
        Assert.Equal(0.4, km.Survival[0], 15);
        Assert.Equal(0, km.Survival[2], 15);
        // IJ at t = 1: dS/dw_i = -(dN_i - Y_i * 3/5)/5 * ... ; se^2 = sum (w_i U_i)^2 with U = (Y d/n - dN)/n * (S(1-) = 1)
        double n = 5, d = 3;
        double uEvent = (d / n - 1) / n, uOther = d / n / n;
        double se = Math.Sqrt((1 * uEvent * 1 * uEvent) + (2 * uEvent * 2 * uEvent) + (2 * uOther * uOther));
        Assert.Equal(se, km.StdErr[0], 14);
    }
}
