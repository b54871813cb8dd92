using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>
/// The covariate matrix of a regression, as R's <c>model.matrix(~ x1 + x2 + ...)[, -1]</c> with treatment contrasts: a
/// numeric covariate is one column named as the covariate; a categorical one gives a 0/1 column per level other than
/// the reference, named covariate + level (<c>sexM</c>, <c>productide-cel</c>), levels in ordinal order.
/// </summary>
public sealed class DesignMatrix
{
    private readonly double[][] columns;

    private DesignMatrix(ImmutableArray<string> terms, double[][] columns, int rows)
    {
        Terms = terms;
        this.columns = columns;
        Rows = rows;
    }

    /// <summary>The term names, in column order (= <c>names(coef(fit))</c>).</summary>
    public ImmutableArray<string> Terms { get; }

    /// <summary>A label per term for figures and readers: the covariate's name for a numeric term, "covariate: level vs
    /// reference" for a level of a categorical one (<see cref="Terms"/> keeps R's names, e.g. "sexmale").</summary>
    public ImmutableArray<string> TermLabels
    {
        get => labels.IsDefaultOrEmpty ? Terms : labels;
        private init => labels = value;
    }

    private readonly ImmutableArray<string> labels;

    /// <summary>The number of rows (records).</summary>
    public int Rows { get; }

    /// <summary>The number of columns.</summary>
    public int Columns => columns.Length;

    /// <summary>Value of row <paramref name="row"/>, column <paramref name="column"/>.</summary>
    /// <param name="row">0..Rows − 1.</param>
    /// <param name="column">0..Columns − 1.</param>
    public double this[int row, int column] => columns[column][row];

    internal double[] Column(int j) => columns[j];

    /// <summary>A matrix over given columns (no checks: internal designs built from checked ones).</summary>
    internal static DesignMatrix FromColumns(ImmutableArray<string> terms, double[][] columns, int rows) => new(terms, columns, rows);

    /// <summary>The rows <paramref name="rowIndex"/> (repeats allowed), in that order.</summary>
    internal DesignMatrix SelectRows(int[] rowIndex)
    {
        var data = new double[columns.Length][];
        for (int j = 0; j < columns.Length; j++)
        {
            var src = columns[j];
            var dst = new double[rowIndex.Length];
            for (int i = 0; i < rowIndex.Length; i++)
            {
                dst[i] = src[rowIndex[i]];
            }

            data[j] = dst;
        }

        return new DesignMatrix(Terms, data, rowIndex.Length) { TermLabels = TermLabels };
    }

    /// <summary>Builds the matrix.</summary>
    /// <param name="columns">The covariates, all of the same length, at least one.</param>
    /// <returns>The design matrix.</returns>
    /// <exception cref="ArgumentNullException">A covariate is null.</exception>
    /// <exception cref="ArgumentException">No covariate; lengths differ; a missing value (the message names the
    /// covariate and the first rows: never a silent listwise deletion); repeated term names; a categorical covariate
    /// with a single level (no contrast); no rows; a matrix larger than a quarter of the memory available (at most 16 GB),
    /// checked before anything is allocated.</exception>
    public static DesignMatrix Build(params Covariate[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0)
        {
            throw new ArgumentException("at least one covariate is needed.", nameof(columns));
        }

        for (int i = 0; i < columns.Length; i++)
        {
            if (columns[i] is null)
            {
                throw new ArgumentNullException(nameof(columns), $"columns[{i}] is null.");
            }
        }

        int n = columns[0].Count;
        if (n == 0)
        {
            throw new ArgumentException("the covariates have no rows.", nameof(columns));
        }

        // the size of the dense matrix is known before anything is allocated: refuse one that cannot fit (R's
        // model.matrix fails with "cannot allocate vector of size ..."), e.g. a categorical column with a level per row
        long termCount = 0;
        foreach (var c in columns)
        {
            termCount += c.IsNumeric ? 1 : Math.Max(0, c.Levels.Length - 1);
        }

        long budget = Math.Min(16L << 30, Math.Max(1L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4));
        if (termCount * n * 8 > budget)
        {
            var widest = columns.Where(c => !c.IsNumeric).OrderByDescending(c => c.Levels.Length).FirstOrDefault();
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"the design matrix would have {termCount} terms x {n} rows = {termCount * n * 8.0 / (1 << 30):0.#} GB, over the {budget / (double)(1 << 30):0.#} GB this process may use{(widest is null ? "" : $"; covariate '{widest.Name}' has {widest.Levels.Length} levels (group rare levels, or use it as strata)")}."), nameof(columns));
        }

        var terms = new List<string>();
        var labels = new List<string>();
        var data = new List<double[]>();
        foreach (var c in columns)
        {
            if (c.Count != n)
            {
                throw new ArgumentException($"covariate '{c.Name}' has {c.Count} rows; '{columns[0].Name}' has {n}.", nameof(columns));
            }

            var missing = c.MissingRows();
            if (!missing.IsEmpty)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"covariate '{c.Name}' is missing in {missing.Length} row(s): {string.Join(", ", missing.Take(10))}{(missing.Length > 10 ? ", ..." : "")}; a model needs every value (no silent deletion: filter the rows first)."), nameof(columns));
            }

            if (c.IsNumeric)
            {
                terms.Add(c.Name);
                labels.Add(c.Name);
                data.Add([.. c.NumericValues]);
                continue;
            }

            var levels = c.Levels;
            string reference = c.Reference ?? levels[0];
            if (levels.Length < 2)
            {
                throw new ArgumentException($"covariate '{c.Name}' has a single level '{reference}'; it has no contrast.", nameof(columns));
            }

            foreach (var level in levels.Where(l => l != reference))
            {
                terms.Add(c.Name + level);
                labels.Add($"{c.Name}: {level} vs {reference}");
                data.Add(c.CategoricalValues.Select(v => v == level ? 1.0 : 0.0).ToArray());
            }
        }

        var dup = terms.GroupBy(t => t, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new ArgumentException($"the term '{dup.Key}' appears twice; rename a covariate.", nameof(columns));
        }

        return new DesignMatrix([.. terms], [.. data], n) { TermLabels = [.. labels] };
    }

    /// <summary>For each term, the events among rows whose value is 1 when the column is a 0/1 indicator (a level of a
    /// categorical covariate); −1 for other columns. The disclosure rules withhold a model row whose level rests on
    /// fewer than the threshold's events.</summary>
    internal int[] IndicatorEvents(Func<int, bool> isEvent, ReadOnlySpan<double> counts = default)
    {
        var result = new int[Columns];
        for (int j = 0; j < Columns; j++)
        {
            double events = 0;
            bool indicator = true;
            for (int i = 0; i < Rows && indicator; i++)
            {
                double v = this[i, j];
                indicator = v is 0 or 1;
                if (v == 1 && isEvent(i))
                {
                    events += counts.IsEmpty ? 1 : counts[i];
                }
            }

            result[j] = indicator ? (int)Math.Min(int.MaxValue, events) : -1;
        }

        return result;
    }
}
