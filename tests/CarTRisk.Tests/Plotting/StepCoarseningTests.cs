using CarTRisk.Plotting;

namespace CarTRisk.Tests.Plotting;

/// <summary>Under a threshold a drawn curve steps only where at least the threshold of its events accumulated since its
/// last drawn step; without one, every step is drawn (so the test can fail).</summary>
public sealed class StepCoarseningTests
{
    [Fact]
    public void DrawnSteps_HoldAtLeastTheThreshold()
    {
        var rng = new Random(5);
        int n = 300;
        var t = Enumerable.Range(0, n).Select(_ => (double)rng.Next(1, 1000)).ToArray();
        var e = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.3).ToArray();
        var km = KaplanMeier.Estimate(t, e);
        var series = new CurveSeries("all", 0, [.. km.Time], [.. km.Survival], [.. km.Lower], [.. km.Upper], [.. km.Censored], [.. km.AtRisk], 1)
        {
            TotalEvents = km.Events.Sum(),
            StepEvents = [.. km.Events],
        };
        var coarse = CurvePlot.Coarsen(series, DisclosurePolicy.Default);
        // every drop of the drawn curve spans at least 11 events; the values drawn are exact estimates
        double previous = 1;
        int steps = 0;
        for (int i = 0; i < coarse.Time.Length; i++)
        {
            if (coarse.Value[i] != previous)
            {
                steps++;
                int from = Array.FindLastIndex(km.Time.ToArray(), x => x <= (i == 0 ? 0 : coarse.Time[i - 1]));
                int to = Array.IndexOf(km.Time.ToArray(), coarse.Time[i]);
                double events = km.Events.Skip(from + 1).Take(to - from).Sum();
                Assert.True(events >= 11, $"a drawn step of {events} events at {coarse.Time[i]}");
                Assert.Equal(km.Survival[to], coarse.Value[i]);
                previous = coarse.Value[i];
            }
        }

        Assert.True(steps >= 5);
        Assert.Equal(km.Time[^1], coarse.Time[^1]);
        Assert.True(CurvePlot.Coarsen(series, DisclosurePolicy.None).Time.Length == km.Time.Length);
        Assert.True(km.Events.Count(x => x > 0) > steps * 3);   // the raw curve has many more (one-event) steps
    }
}
