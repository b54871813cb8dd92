using MathNet.Numerics.LinearAlgebra;

namespace CarTRisk.Numerics;

/// <summary>R's rank decision for a square matrix: <c>qr(x)$rank == ncol(x)</c> with LINPACK dqrdc2's rule, which
/// sets a column aside when its norm after the earlier Householder steps falls below 1e-7 times its original norm.</summary>
internal static class RankCheck
{
    public const double Tolerance = 1e-7;

    public static bool FullRank(Matrix<double> x, double tolerance = Tolerance)
    {
        int n = x.RowCount, p = x.ColumnCount;
        var a = x.ToArray();
        var originalNorm = new double[p];
        for (int j = 0; j < p; j++)
        {
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                s += a[i, j] * a[i, j];
            }

            originalNorm[j] = Math.Sqrt(s);
            if (!double.IsFinite(originalNorm[j]))
            {
                return false;
            }
        }

        int row = 0;
        for (int j = 0; j < p; j++)
        {
            double s = 0;
            for (int i = row; i < n; i++)
            {
                s += a[i, j] * a[i, j];
            }

            double norm = Math.Sqrt(s);
            if (originalNorm[j] == 0 || norm < tolerance * originalNorm[j] || row >= n)
            {
                return false;   // dqrdc2 would move this column to the end: rank < p
            }

            // Householder reflection that zeroes column j below the diagonal, applied to the later columns.
            double alpha = a[row, j] >= 0 ? -norm : norm;
            var v = new double[n];
            for (int i = row; i < n; i++)
            {
                v[i] = a[i, j];
            }

            v[row] -= alpha;
            double vv = 0;
            for (int i = row; i < n; i++)
            {
                vv += v[i] * v[i];
            }

            if (vv > 0)
            {
                for (int c = j + 1; c < p; c++)
                {
                    double dot = 0;
                    for (int i = row; i < n; i++)
                    {
                        dot += v[i] * a[i, c];
                    }

                    double f = 2 * dot / vv;
                    for (int i = row; i < n; i++)
                    {
                        a[i, c] -= f * v[i];
                    }
                }
            }

            row++;
        }

        return true;
    }
}
