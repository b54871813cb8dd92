namespace CarTRisk;

/// <summary>A two-sided confidence interval [<see cref="Lower"/>, <see cref="Upper"/>].</summary>
/// <param name="Lower">The lower limit. <see cref="double.NaN"/> where the limit is not defined (R's <c>NA</c>).</param>
/// <param name="Upper">The upper limit. <see cref="double.NaN"/> where the limit is not defined (R's <c>NA</c>).</param>
public readonly record struct ConfidenceInterval(double Lower, double Upper)
{
    /// <summary>Whether <paramref name="value"/> lies in the closed interval.</summary>
    /// <param name="value">The value to test.</param>
    /// <returns><see langword="true"/> when <c>Lower &lt;= value &lt;= Upper</c>.</returns>
    public bool Contains(double value) => Lower <= value && value <= Upper;
}

/// <summary>The scale on which a pointwise confidence interval for a probability is built
/// (R's <c>conf.type</c> in <c>survival::survfit</c>).</summary>
public enum IntervalTransform
{
    /// <summary>R <c>"plain"</c>: p ± z·se(p), clipped to [0, 1].</summary>
    Plain,

    /// <summary>R <c>"log"</c> (survfit's default): exp(log p ± z·se(p)/p), upper limit capped at 1.</summary>
    Log,

    /// <summary>R <c>"log-log"</c>: built on log(−log p) and mapped back, so the limits stay inside (0, 1).</summary>
    LogLog,
}
