using System.Globalization;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.MultiState;

/// <summary>Multi-state Aalen-Johansen against Golden/Round3/MultiState/aj.expected.json (survfit with id): closed forms at 1e-10.</summary>
public sealed class MultiStateGoldenTests
{
    /// <summary>Each fit with both influence bookkeepings: per subject (survfit's) and grouped by anchor time (large data).</summary>
    public static TheoryData<string, bool> Fits()
    {
        var data = new TheoryData<string, bool>();
        foreach (var f in Golden.Json("Round3/MultiState/aj.expected.json")["fits"]!.AsArray())
        {
            data.Add((string)f!["name"]!, false);
            data.Add((string)f!["name"]!, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fits))]
    public void AalenJohansen_EqualsSurvfit(string name, bool grouped)
    {
        var f = Golden.Json("Round3/MultiState/aj.expected.json")["fits"]!.AsArray().First(x => (string)x!["name"]! == name)!;
        var lines = File.ReadAllLines(Golden.PathOf("Round3/MultiState/" + (string)f["csv"]!)).Where(l => l.Length > 0).ToArray();
        var h = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        int ia = Array.IndexOf(h, (string)f["start"]!), ib = Array.IndexOf(h, (string)f["stop"]!), it = Array.IndexOf(h, (string)f["to"]!), id = Array.IndexOf(h, (string)f["id"]!);
        var fit = CarTRisk.MultiState.AalenJohansen(rows.Select(r => double.Parse(r[ia], CultureInfo.InvariantCulture)).ToArray(),
            rows.Select(r => double.Parse(r[ib], CultureInfo.InvariantCulture)).ToArray(), rows.Select(r => r[it]).ToArray(), rows.Select(r => r[id]).ToArray(),
            MultiStateOptions.Default with { CensorState = (string)f["censor_state"]!, TimeFix = (bool)f["timefix"]!, Grouped = grouped });
        Assert.Equal(f["states"]!.AsArray().Select(v => (string)v!).ToArray(), fit.States.ToArray());
        Assert.Equal(Golden.Array(f["times"]), fit.Times.ToArray());
        Assert.Equal(f["transitions"]!.AsArray().Select(t => new MultiStateTransition((string)t![0]!, (string)t[1]!)).ToArray(), fit.Transitions.ToArray());
        Assert.Equal(f["n_risk"]!.AsArray().Select(v => (int)v!).ToArray(), fit.AtRisk.ToArray());
        var p = Golden.Array(f["pstate"]);
        var se = Golden.Array(f["std_err"]);
        var ch = Golden.Array(f["cumhaz"]);
        for (int i = 0; i < p.Length; i++)
        {
            NumericAssert.Close(p[i], fit.Probability[i], 1e-10, 1e-14, $"pstate[{i}]");
            NumericAssert.Close(se[i], fit.StdErr[i], 1e-10, 1e-14, $"std_err[{i}]");
        }

        for (int i = 0; i < ch.Length; i++)
        {
            NumericAssert.Close(ch[i], fit.CumulativeHazard[i], 1e-10, 0, $"cumhaz[{i}]");
        }

        var sm = f["summary"]!;
        var ts = Golden.Array(sm["times"]);
        int s = fit.States.Length;
        for (int k = 0; k < ts.Length; k++)
        {
            var pt = fit.At(ts[k]);
            for (int j = 0; j < s; j++)
            {
                NumericAssert.Close(Golden.D(sm["pstate"]![(k * s) + j]), pt.Probability[j], 1e-10, 1e-14, $"summary pstate[{k},{j}]");
                NumericAssert.Close(Golden.D(sm["std_err"]![(k * s) + j]), pt.StdErr[j], 1e-10, 1e-14, $"summary se[{k},{j}]");
                Assert.Equal((int)sm["n_risk"]![(k * s) + j]!, pt.AtRisk[j]);
            }
        }
    }
}

/// <summary>40 random multi-state data sets (Golden/Round3/MultiStateDiff/generate.R, survfit): tied times, late entry,
/// initial states and weights; every field compared, with both influence bookkeepings.</summary>
public sealed class MultiStateDifferentialTests
{
    public static TheoryData<int, bool> Indices()
    {
        var data = new TheoryData<int, bool>();
        for (int i = 0; i < 40; i++)
        {
            data.Add(i, false);
            data.Add(i, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void AalenJohansen_EqualsSurvfit(int index, bool grouped)
    {
        var c = Golden.Json("Round3/MultiStateDiff/ms_diff.json")["cases"]![index]!;
        string[] S(string k) => [.. c[k]!.AsArray().Select(v => (string)v!)];
        bool useIstate = (bool)c["use_istate"]![0]!, useW = (bool)c["use_w"]![0]!;
        var fit = CarTRisk.MultiState.AalenJohansen(Golden.Array(c["start"]), Golden.Array(c["stop"]), S("to"), S("id"), MultiStateOptions.Default with
        {
            InitialStates = useIstate ? S("istate") : null,
            Weights = useW ? Golden.Array(c["w"]) : null,
            Grouped = grouped,
        });
        Assert.Equal(S("states"), fit.States.ToArray());
        Assert.Equal(Golden.Array(c["time"]), fit.Times.ToArray());
        Assert.Equal(c["n_risk"]!.AsArray().Select(v => (int)v!).ToArray(), fit.AtRisk.ToArray());
        void Close(string key, IReadOnlyList<double> actual)
        {
            var e = Golden.Array(c[key]);
            Assert.Equal(e.Length, actual.Count);
            for (int i = 0; i < e.Length; i++)
            {
                NumericAssert.Close(e[i], actual[i], 1e-10, 1e-13, $"case {index} {key}[{i}]");
            }
        }

        Close("pstate", fit.Probability);
        Close("std_err", fit.StdErr);
        Close("cumhaz", fit.CumulativeHazard);
        var ts = Golden.Array(c["s_time"]);
        var sp = new List<double>();
        var ss = new List<double>();
        var sn = new List<int>();
        foreach (double t in ts)
        {
            var pt = fit.At(t);
            sp.AddRange(pt.Probability);
            ss.AddRange(pt.StdErr);
            sn.AddRange(pt.AtRisk);
        }

        Close("s_pstate", sp);
        Close("s_std_err", ss);
        Assert.Equal(c["s_n_risk"]!.AsArray().Select(v => (int)v!).ToArray(), sn.ToArray());
    }
}

/// <summary>Transitions per time and kind against R (survival 3.5-3: <c>f &lt;- survfit(Surv(start, stop, state) ~ 1, id
/// = id)</c> on the data below, <c>f$n.event</c>, which counts the transitions into each state at each time).</summary>
public sealed class MultiStateEventsTests
{
    [Fact]
    public void Events_PerTimeAndTransition_SumToRsCountsIntoEachState()
    {
        string[] ids = ["A", "A", "B", "B", "C", "D", "E", "E", "F"];
        double[] start = [0, 5, 0, 5, 2, 0, 0, 9, 0], stop = [5, 9, 5, 12, 7, 5, 9, 12, 3];
        string[] to = ["relapse", "death", "relapse", "censor", "death", "death", "relapse", "death", "censor"];
        var fit = CarTRisk.MultiState.AalenJohansen(start, stop, to, ids);
        Assert.Equal([3.0, 5, 7, 9, 12], fit.Times.ToArray());
        Assert.Equal([1.0, 0, 0], fit.InitialProbability.ToArray());   // R: f$p0
        int[,] rEvents = { { 0, 0, 0 }, { 0, 2, 1 }, { 0, 0, 1 }, { 0, 1, 1 }, { 0, 0, 1 } };   // R: f$n.event, states (s0), relapse, death
        int nt = fit.Transitions.Length;
        string[] rStates = ["(s0)", "relapse", "death"];
        for (int t = 0; t < fit.Times.Length; t++)
        {
            for (int k = 0; k < rStates.Length; k++)
            {
                int into = Enumerable.Range(0, nt).Where(c => fit.Transitions[c].To == rStates[k]).Sum(c => fit.Events[(t * nt) + c]);
                Assert.Equal(rEvents[t, k], into);
            }
        }

        for (int c = 0; c < nt; c++)
        {
            Assert.Equal(fit.TransitionCounts[c], Enumerable.Range(0, fit.Times.Length).Sum(t => fit.Events[(t * nt) + c]));
        }

        // relapse -> death: A at 9, E at 12
        int rd = Enumerable.Range(0, nt).Single(c => fit.Transitions[c].From == "relapse" && fit.Transitions[c].To == "death");
        Assert.Equal([0, 0, 0, 1, 1], Enumerable.Range(0, 5).Select(t => fit.Events[(t * nt) + rd]).ToArray());
    }
}

/// <summary>The state-occupation figure draws the fit and stops where fewer than the threshold remain at risk.</summary>
public sealed class StateOccupationFigureTests
{
    [Fact]
    public void StateOccupation_Draws_AndRefusesWhatCannotBeShown()
    {
        // 12 subjects: under the default threshold of 11 the tail with fewer at risk is not drawn
        var start = Enumerable.Repeat(0.0, 12).ToArray();
        var stop = Enumerable.Range(1, 12).Select(i => i * 10.0).ToArray();
        var to = Enumerable.Range(0, 12).Select(i => i % 3 == 0 ? "death" : i % 3 == 1 ? "relapse" : "censor").ToArray();
        var ids = Enumerable.Range(0, 12).Select(i => "S" + i).ToArray();
        var fit = CarTRisk.MultiState.AalenJohansen(start, stop, to, ids);
        var fig = CarTRisk.Plotting.Figures.StateOccupation(fit);
        Assert.True(fig.Width > 0);
        Assert.Throws<ArgumentException>(() => CarTRisk.Plotting.Figures.StateOccupation(fit, ["one"]));
        var tiny = CarTRisk.MultiState.AalenJohansen(start.Take(5).ToArray(), stop.Take(5).ToArray(), to.Take(5).ToArray(), ids.Take(5).ToArray());
        Assert.Throws<ArgumentException>(() => CarTRisk.Plotting.Figures.StateOccupation(tiny));
        Assert.True(CarTRisk.Plotting.Figures.StateOccupation(tiny, null, CarTRisk.Plotting.FigureOptions.Default with { Disclosure = DisclosurePolicy.None }).Width > 0);
    }

    /// <summary>Under the threshold every drawn change of a layer boundary rests on at least 11 transitions across it
    /// since the boundary's last change (a step of k/n at a known number at risk n shows k); without one the layers are
    /// the fit's probabilities at every time.</summary>
    [Fact]
    public void StateOccupation_BoundariesStepOnlyOnEnoughTransitions()
    {
        var rng = new Random(26);
        var start = new List<double>();
        var stop = new List<double>();
        var to = new List<string>();
        var ids = new List<string>();
        string[] next = ["relapse", "malignancy", "death", "censor"];
        for (int i = 0; i < 400; i++)
        {
            double t = 0;
            string state = "(s0)";
            for (int k = 0; k < 3 && state != "death"; k++)
            {
                double len = 1 + rng.Next(300);
                string nx = next[rng.Next(next.Length)];
                if (nx == state)
                {
                    nx = "censor";
                }

                start.Add(t);
                stop.Add(t + len);
                to.Add(nx);
                ids.Add("P" + i);
                t += len;
                if (nx == "censor")
                {
                    break;
                }

                state = nx;
            }
        }

        var fit = CarTRisk.MultiState.AalenJohansen(start.ToArray(), stop.ToArray(), to, ids);
        int s = fit.States.Length, end = fit.Times.Length;
        var (times, layers, crossing) = CarTRisk.Plotting.StackedPlot.StateLayers(fit, end, 11);
        for (int k = 0; k < s - 1; k++)
        {
            // boundary k as drawn: the sum of the layers up to k at each drawn time
            var drawn = times.Select((_, t) => Enumerable.Range(0, k + 1).Sum(j => layers[j][t])).ToArray();
            int last = -1;
            for (int t = 0; t < times.Length; t++)
            {
                double before = t == 0 ? Enumerable.Range(1, k + 1).Sum(j => fit.InitialProbability[j]) : drawn[t - 1];
                if (Math.Abs(drawn[t] - before) > 1e-12)
                {
                    double moved = Enumerable.Range(last + 1, times[t] - last).Sum(i => crossing[k][i]);
                    Assert.True(moved >= 11, $"boundary {k} changes at {fit.Times[times[t]]} on {moved} transitions");
                    last = times[t];
                }
            }
        }

        Assert.True(layers[0].Distinct().Count() > 3, "the figure still shows the course of the first state");
        var (allTimes, raw, _) = CarTRisk.Plotting.StackedPlot.StateLayers(fit, end, 0);
        for (int t = 0; t < allTimes.Length; t++)
        {
            for (int k = 1; k < s; k++)
            {
                Assert.Equal(fit.Probability[(allTimes[t] * s) + k], raw[k - 1][t], 12);
            }
        }
    }
}

/// <summary>The transition diagram prints each transition's count, and the marker for a count of 1..10.</summary>
public sealed class TransitionDiagramTests
{
    [Fact]
    public void Counts_AreShown_OrWithheld()
    {
        var start = new List<double>();
        var stop = new List<double>();
        var to = new List<string>();
        var ids = new List<string>();
        for (int i = 0; i < 40; i++)
        {
            start.Add(0);
            stop.Add(10 + i);
            to.Add(i < 3 ? "death" : i < 30 ? "relapse" : "censor");
            ids.Add("S" + i);
        }

        var fit = CarTRisk.MultiState.AalenJohansen(start.ToArray(), stop.ToArray(), to, ids);
        Assert.Equal([3, 27], fit.TransitionCounts.ToArray());
        static string[] Texts(string svg) => [.. System.Text.RegularExpressions.Regex.Matches(svg, "<text[^>]*>([^<]*)</text>").Select(m => m.Groups[1].Value.Trim())];
        var shown = Texts(CarTRisk.Plotting.Figures.TransitionDiagram(fit).ToSvg());
        Assert.Contains("27", shown);
        Assert.DoesNotContain("3", shown);
        Assert.Contains("&lt;11", shown);
        var open = Texts(CarTRisk.Plotting.Figures.TransitionDiagram(fit, null, CarTRisk.Plotting.FigureOptions.Default with { Disclosure = DisclosurePolicy.None }).ToSvg());
        Assert.Contains("3", open);
    }
}

/// <summary>The grouped influence bookkeeping (used from <see cref="CarTRisk.MultiState.GroupedFromRows"/> rows) against the
/// per-subject one on larger random paths than R's differential cases: five states, gaps between a subject's rows, late
/// entry, zero and fractional weights, heavy ties. Probabilities, numbers at risk and cumulative hazards are the same
/// computation (bit for bit); standard errors agree to rounding.</summary>
public sealed class GroupedInfluenceTwinTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public void Grouped_EqualsPerSubject(int seed, bool weighted)
    {
        var (start, stop, to, ids, w) = Paths(seed, weighted, 1);
        var options = MultiStateOptions.Default with { Weights = weighted ? [.. w] : null };
        var slot = CarTRisk.MultiState.AalenJohansen([.. start], [.. stop], to, ids, options with { Grouped = false });
        var grouped = CarTRisk.MultiState.AalenJohansen([.. start], [.. stop], to, ids, options with { Grouped = true });
        Assert.Equal(slot.Times.ToArray(), grouped.Times.ToArray());
        Assert.Equal(slot.Probability.ToArray(), grouped.Probability.ToArray());
        Assert.Equal(slot.AtRisk.ToArray(), grouped.AtRisk.ToArray());
        Assert.Equal(slot.CumulativeHazard.ToArray(), grouped.CumulativeHazard.ToArray());
        for (int i = 0; i < slot.StdErr.Length; i++)
        {
            NumericAssert.Close(slot.StdErr[i], grouped.StdErr[i], 1e-11, 1e-15, $"seed {seed} std_err[{i}]");
        }
    }

    /// <summary>Random paths: late entry, gaps, four states beside (s0), times multiplied by <paramref name="scale"/>.</summary>
    internal static (List<double> Start, List<double> Stop, List<string> To, List<string> Ids, List<double> W) Paths(int seed, bool weighted, double scale)
    {
        var rng = new Random(seed);
        var start = new List<double>();
        var stop = new List<double>();
        var to = new List<string>();
        var ids = new List<string>();
        var w = new List<double>();
        string[] states = ["relapse", "cytopenia", "malignancy", "death"];
        for (int i = 0; i < 3000; i++)
        {
            double t = rng.NextDouble() < 0.2 ? rng.Next(0, 50) : 0;   // late entry
            double wi = weighted ? (rng.NextDouble() < 0.05 ? 0 : 0.25 + rng.NextDouble()) : 1;
            string current = "(s0)";
            for (int k = 0; k < 4; k++)
            {
                double len = 1 + rng.Next(120);
                string next = rng.NextDouble() < 0.35 ? "censor" : states[rng.Next(states.Length)];
                if (next == current)
                {
                    next = "censor";
                }

                start.Add(t * scale);
                stop.Add((t + len) * scale);
                to.Add(next);
                ids.Add("P" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.Add(wi);
                t += len + (rng.NextDouble() < 0.1 ? rng.Next(1, 20) : 0);   // a gap before the next row
                if (next is "censor" or "death")
                {
                    break;
                }

                current = next;
            }
        }

        return (start, stop, to, ids, w);
    }

    /// <summary>Rows in any order (a subject's rows apart and out of time order) and times that are not whole numbers
    /// give the fit of the ordered rows: the same times, numbers at risk and events, the rest to rounding (sums in
    /// another order), on both bookkeepings.</summary>
    [Theory]
    [InlineData(5, false, true)]
    [InlineData(6, true, true)]
    [InlineData(7, true, false)]
    public void RowOrder_AndFractionalTimes_DoNotMatter(int seed, bool weighted, bool grouped)
    {
        var (start, stop, to, ids, w) = Paths(seed, weighted, 1.0 / 7);
        var options = MultiStateOptions.Default with { Weights = weighted ? [.. w] : null, Grouped = grouped };
        var fit = CarTRisk.MultiState.AalenJohansen([.. start], [.. stop], to, ids, options);
        var order = new Random(seed);
        var perm = Enumerable.Range(0, start.Count).OrderBy(_ => order.Next()).ToArray();
        var shuffled = CarTRisk.MultiState.AalenJohansen([.. perm.Select(i => start[i])], [.. perm.Select(i => stop[i])],
            [.. perm.Select(i => to[i])], [.. perm.Select(i => ids[i])], options with { Weights = weighted ? [.. perm.Select(i => w[i])] : null });
        Assert.NotEqual(Enumerable.Range(0, start.Count), perm);
        Assert.Equal(fit.Times.ToArray(), shuffled.Times.ToArray());
        Assert.Equal(fit.AtRisk.ToArray(), shuffled.AtRisk.ToArray());
        Assert.Equal(fit.Events.ToArray(), shuffled.Events.ToArray());
        // fractional weights summed in another order over ~800 times: a few 1e-12 (and 1e-14 for a state left by all)
        NumericAssert.Close(fit.Probability, shuffled.Probability, 1e-10, 1e-13);
        NumericAssert.Close(fit.CumulativeHazard, shuffled.CumulativeHazard, 1e-10, 1e-13);
        NumericAssert.Close(fit.StdErr, shuffled.StdErr, 1e-10, 1e-14);
    }
}
