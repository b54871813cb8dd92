using System.Numerics.Tensors;

namespace CarTRisk.Kernels;

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

        // Equal inputs give bit-equal limits, as in R: a vector lane and the scalar remainder may round exp() an ulp
        // apart, and quantile()'s rule (survival's findq drops duplicated values) depends on exact equality.
        for (int i = 1; i < n; i++)
        {
            if (p[i].Equals(p[i - 1]) && seLog[i].Equals(seLog[i - 1]))
            {
                lower[i] = lower[i - 1];
                upper[i] = upper[i - 1];
            }
        }
    }

    /// <summary>Limits from the standard error of p itself (survfit's multi-state convention): where p = 0 and se = 0
    /// the plain interval is [0, 0] and the log scales are undefined (NaN), as R.</summary>
    public static void LimitsFromStdErr(IntervalTransform transform, double z, ReadOnlySpan<double> p, ReadOnlySpan<double> se,
        Span<double> lower, Span<double> upper)
    {
        var seLog = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            seLog[i] = p[i] == 0 ? double.NaN : se[i] / p[i];
        }

        Limits(transform, z, p, seLog, lower, upper);
        if (transform == IntervalTransform.Plain)
        {
            for (int i = 0; i < p.Length; i++)
            {
                if (p[i] == 0 && se[i] == 0)
                {
                    lower[i] = upper[i] = 0;
                }
            }
        }
    }
}
