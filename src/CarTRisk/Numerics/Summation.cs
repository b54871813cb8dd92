namespace CarTRisk.Numerics;

/// <summary>Neumaier's compensated sum: the error of a sum of n terms is about 2 eps Σ|xᵢ| whatever n, where a plain
/// running sum drifts by about √n eps |partial sums|. Used where an optimiser compares log-likelihoods of thousands of
/// terms at points a rounding error apart.</summary>
internal struct CompensatedSum
{
    private double sum;
    private double compensation;

    public readonly double Value => sum + compensation;

    public void Add(double x)
    {
        double t = sum + x;
        compensation += Math.Abs(sum) >= Math.Abs(x) ? (sum - t) + x : (x - t) + sum;
        sum = t;
    }

    public static double Of(ReadOnlySpan<double> values)
    {
        var s = default(CompensatedSum);
        foreach (double v in values)
        {
            s.Add(v);
        }

        return s.Value;
    }
}
