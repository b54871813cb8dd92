using System.Numerics.Tensors;

namespace CarTRisk.Kernels;

/// <summary>
/// The sufficient statistics that every estimator here needs: the distinct times (events and censorings, ascending)
/// with the number at risk just before each, the events of each cause and the censorings at it.
/// </summary>
internal sealed class EventTable
{
    public required double[] Time { get; init; }

    public required double[] AtRisk { get; init; }

    /// <summary>Events[0] is the total over causes; Events[c] those of cause c (1..CauseCount).</summary>
    public required double[][] Events { get; init; }

    public required double[] Censored { get; init; }

    public int Count => Time.Length;

    public int CauseCount => Events.Length - 1;

    /// <summary>Builds the table. Causes are 0 (censored) or 1..causeCount; entry times (left truncation) are optional:
    /// at risk at t is then #{entry &lt; t ≤ exit}. Ties: all records at a time form one row (events before
    /// censorings is implicit, since the number at risk counts both).</summary>
    public static EventTable Build(ReadOnlySpan<double> time, ReadOnlySpan<int> cause, int causeCount, ReadOnlySpan<double> entry = default)
    {
        int n = time.Length;
        var keys = time.ToArray();
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);
        int distinct = 0;
        for (int i = 0; i < n; i++)
        {
            if (i == 0 || keys[i] != keys[i - 1])
            {
                distinct++;
            }
        }

        var t = new double[distinct];
        var atRisk = new double[distinct];
        var censored = new double[distinct];
        var events = new double[causeCount + 1][];
        for (int c = 0; c <= causeCount; c++)
        {
            events[c] = new double[distinct];
        }

        double[]? entries = null;
        if (!entry.IsEmpty)
        {
            entries = entry.ToArray();
            Array.Sort(entries);
        }

        int row = -1, entryIndex = 0;
        for (int i = 0; i < n; i++)
        {
            if (i == 0 || keys[i] != keys[i - 1])
            {
                row++;
                t[row] = keys[i];
                double exitingAtOrAfter = n - i;
                if (entries is not null)
                {
                    // #{entry >= t} removed: those have not yet entered.
                    while (entryIndex < entries.Length && entries[entryIndex] < keys[i])
                    {
                        entryIndex++;
                    }

                    exitingAtOrAfter -= entries.Length - entryIndex;
                }

                atRisk[row] = exitingAtOrAfter;
            }

            int c = cause[order[i]];
            if (c == 0)
            {
                censored[row]++;
            }
            else
            {
                events[0][row]++;
                events[c][row]++;
            }
        }

        return new EventTable { Time = t, AtRisk = atRisk, Events = events, Censored = censored };
    }

    /// <summary>Kaplan-Meier product and Greenwood sum along the table (sequential recurrences: scalar).</summary>
    public static void KaplanMeier(ReadOnlySpan<double> atRisk, ReadOnlySpan<double> events, Span<double> survival, Span<double> greenwood)
    {
        double s = 1, g = 0;
        for (int i = 0; i < atRisk.Length; i++)
        {
            double n = atRisk[i], d = events[i];
            if (d > 0)
            {
                s *= (n - d) / n;
                g += n == d ? double.PositiveInfinity : d / (n * (n - d));
            }

            survival[i] = s;
            greenwood[i] = g;
        }
    }
}

/// <summary>Element-wise transforms of survival probabilities into confidence limits (vectorised with TensorPrimitives).</summary>
internal static class IntervalKernels
{
    /// <summary>Pointwise limits for probabilities p with standard error of log p given as <paramref name="seLog"/>
    /// (= se(p)/p). NaN where undefined, as R's NA.</summary>
    public static void Limits(IntervalTransform transform, double z, ReadOnlySpan<double> p, ReadOnlySpan<double> seLog,
        Span<double> lower, Span<double> upper)
    {
        int n = p.Length;
        switch (transform)
        {
            case IntervalTransform.Plain:
                for (int i = 0; i < n; i++)
                {
                    double se = p[i] * seLog[i];
                    if (p[i] == 0 || double.IsNaN(se))
                    {
                        lower[i] = upper[i] = p[i] == 0 && seLog[i] == 0 ? 0 : double.NaN;
                        continue;
                    }

                    lower[i] = Math.Max(0, p[i] - (z * se));
                    upper[i] = Math.Min(1, p[i] + (z * se));
                }

                break;
            case IntervalTransform.Log:
                // exp(log p ± z se): vectorised log/exp over the whole column, then the edges fixed up.
                TensorPrimitives.Log(p, lower);
                TensorPrimitives.MultiplyAdd(seLog, z, lower, upper);
                TensorPrimitives.MultiplyAdd(seLog, -z, lower, lower);
                TensorPrimitives.Exp(lower, lower);
                TensorPrimitives.Exp(upper, upper);
                for (int i = 0; i < n; i++)
                {
                    if (p[i] == 0 || double.IsInfinity(seLog[i]) || double.IsNaN(seLog[i]))
                    {
                        lower[i] = upper[i] = double.NaN;
                    }
                    else if (upper[i] > 1)
                    {
                        upper[i] = 1;
                    }
                }

                break;
            default:
                for (int i = 0; i < n; i++)
                {
                    if (p[i] == 0 || p[i] == 1 || double.IsInfinity(seLog[i]) || double.IsNaN(seLog[i]))
                    {
                        lower[i] = upper[i] = double.NaN;
                        continue;
                    }

                    double logP = Math.Log(p[i]);
                    double center = Math.Log(-logP);
                    double half = z * seLog[i] / logP;
                    lower[i] = Math.Exp(-Math.Exp(center - half));
                    upper[i] = Math.Exp(-Math.Exp(center + half));
                }

                break;
        }
    }
}
