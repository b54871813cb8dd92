using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace CarTRisk;

/// <summary>A bootstrap percentile interval.</summary>
/// <param name="Estimate">The statistic on the original data.</param>
/// <param name="Interval">The percentile interval (type-7 quantiles of the replicates at (1 ∓ level)/2).</param>
/// <param name="StdErr">The standard deviation of the replicates.</param>
/// <param name="Replicates">The replicates that gave a finite value, in replicate order (deterministic for a seed).</param>
/// <param name="Failed">Replicates whose resample could not be estimated (e.g. no event of interest drawn) or gave a
/// non-finite value; they are left out of the interval, and a caller should report a large share.</param>
/// <param name="Level">The confidence level.</param>
public sealed record BootstrapEstimate(double Estimate, ConfidenceInterval Interval, double StdErr,
    ImmutableArray<double> Replicates, int Failed, double Level);

/// <summary>
/// The Poisson bootstrap on <see cref="EventTable"/>s: each patient gets a Poisson(1) weight, so each cell (time, cause)
/// of the table is redrawn as Poisson(count) and the numbers at risk recomputed. Equivalent in distribution to giving
/// every record an independent Poisson(1) weight; close to the multinomial bootstrap for the cohort sizes here.
/// Parallel over cores, deterministic for a given seed (replicate r draws from its own generator seeded by (seed, r)).
/// </summary>
/// <example>
/// <code>
/// var a = EventTable.FromRecords(axiCelDays, axiCelCauses);
/// var b = EventTable.FromRecords(tisaCelDays, tisaCelCauses);
/// static double Risk3y(EventTable t) => CumulativeIncidence.Estimate(t, 1).At(1095).Estimate;
/// var diff = Bootstrap.Difference(a, b, Risk3y, replicates: 2000, seed: 42);
/// </code>
/// </example>
public static class Bootstrap
{
    /// <summary>A percentile interval for any statistic of one table.</summary>
    /// <param name="table">The data.</param>
    /// <param name="statistic">A pure function of a table (it is called concurrently).</param>
    /// <param name="replicates">Number of resamples, ≥ 2.</param>
    /// <param name="seed">The seed; the result is identical for the same seed on any machine and core count.</param>
    /// <param name="level">The confidence level.</param>
    /// <returns>The estimate, interval, replicates and the count of failed replicates.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="replicates"/> &lt; 2 or a bad level.</exception>
    /// <exception cref="InvalidOperationException">Fewer than half of the replicates could be estimated.</exception>
    public static BootstrapEstimate Interval(EventTable table, Func<EventTable, double> statistic, int replicates = 1000,
        int seed = 1, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(statistic);
        return Run(statistic(table), replicates, seed, level, rng => statistic(Resample(table, rng)));
    }

    /// <summary>A percentile interval for statistic(first) − statistic(second), resampling the two independently
    /// (e.g. the difference of 3-year risks between two products).</summary>
    /// <param name="first">The first group's table.</param>
    /// <param name="second">The second group's table.</param>
    /// <param name="statistic">A pure function of a table (called concurrently).</param>
    /// <param name="replicates">Number of resamples, ≥ 2.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="level">The confidence level.</param>
    /// <returns>The estimate and interval of the difference.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="replicates"/> &lt; 2 or a bad level.</exception>
    /// <exception cref="InvalidOperationException">Fewer than half of the replicates could be estimated.</exception>
    public static BootstrapEstimate Difference(EventTable first, EventTable second, Func<EventTable, double> statistic,
        int replicates = 1000, int seed = 1, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(statistic);
        return Run(statistic(first) - statistic(second), replicates, seed, level,
            rng => statistic(Resample(first, rng)) - statistic(Resample(second, rng)));
    }

    private static BootstrapEstimate Run(double estimate, int replicates, int seed, double level, Func<Random, double> one)
    {
        if (replicates < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(replicates), replicates, $"replicates is {replicates}; at least 2 are needed.");
        }

        Guard.Level(level);
        var values = new double[replicates];
        Parallel.For(0, replicates, r =>
        {
            var rng = new Random(ReplicateSeed(seed, r));
            try
            {
                values[r] = one(rng);
            }
            catch (ArgumentException)
            {
                values[r] = double.NaN;   // e.g. no event of interest in the resample
            }
        });

        var ok = values.Where(double.IsFinite).ToArray();
        int failed = replicates - ok.Length;
        if (ok.Length * 2 < replicates)
        {
            throw new InvalidOperationException($"{failed} of {replicates} bootstrap replicates could not be estimated; the statistic is not stable enough for a bootstrap interval.");
        }

        var sorted = ok.Order().ToArray();
        double alpha = (1 - level) / 2;
        double mean = ok.Average();
        double sd = Math.Sqrt(ok.Sum(v => (v - mean) * (v - mean)) / (ok.Length - 1));
        return new BootstrapEstimate(estimate,
            new ConfidenceInterval(SampleQuantile.Type7(sorted, alpha)!.Value, SampleQuantile.Type7(sorted, 1 - alpha)!.Value),
            sd, ImmutableCollectionsMarshal.AsImmutableArray(ok), failed, level);
    }

    /// <summary>The seed of replicate r: SplitMix64 of (seed, r), so the stream of each replicate is the same in
    /// every process and on any number of cores (HashCode.Combine would not do: it is randomised per process).</summary>
    internal static int ReplicateSeed(int seed, int replicate)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)replicate) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    /// <summary>One Poisson-bootstrap resample of a table: every cell redrawn as Poisson(count).</summary>
    internal static EventTable Resample(EventTable table, Random rng)
    {
        if (table.HasDelayedEntry)
        {
            throw new ArgumentException("a table built with delayed entry cannot be resampled by cells.", nameof(table));
        }

        int k = table.CauseCount;
        var times = new List<double>(table.Count);
        var rows = new List<double[]>(table.Count);
        for (int j = 0; j < table.Count; j++)
        {
            var row = new double[k + 1];
            double total = row[0] = Poisson(rng, table.CensoredArray[j]);
            for (int c = 1; c <= k; c++)
            {
                row[c] = Poisson(rng, table.EventArrays[c][j]);
                total += row[c];
            }

            if (total > 0)
            {
                times.Add(table.TimeArray[j]);
                rows.Add(row);
            }
        }

        if (times.Count == 0)
        {
            throw new ArgumentException("the resample is empty.", nameof(table));
        }

        return EventTable.Assemble(times.ToArray(), rows, table.Coding);
    }

    /// <summary>A Poisson(mean) draw: multiplication of uniforms below 10, Hörmann's (1993) transformed rejection
    /// (PTRS) above.</summary>
    internal static double Poisson(Random rng, double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean < 10)
        {
            double limit = Math.Exp(-mean), product = rng.NextDouble();
            int k = 0;
            while (product > limit)
            {
                k++;
                product *= rng.NextDouble();
            }

            return k;
        }

        double slam = Math.Sqrt(mean), logLam = Math.Log(mean);
        double b = 0.931 + (2.53 * slam);
        double a = -0.059 + (0.02483 * b);
        double invAlpha = 1.1239 + (1.1328 / (b - 3.4));
        double vr = 0.9277 - (3.6224 / (b - 2));
        while (true)
        {
            double u = rng.NextDouble() - 0.5;
            double v = rng.NextDouble();
            double us = 0.5 - Math.Abs(u);
            double k = Math.Floor((((2 * a / us) + b) * u) + mean + 0.43);
            if (us >= 0.07 && v <= vr)
            {
                return k;
            }

            if (k < 0 || (us < 0.013 && v > us))
            {
                continue;
            }

            if (Math.Log(v) + Math.Log(invAlpha) - Math.Log((a / (us * us)) + b)
                <= -mean + (k * logLam) - MathNet.Numerics.SpecialFunctions.GammaLn(k + 1))
            {
                return k;
            }
        }
    }
}
