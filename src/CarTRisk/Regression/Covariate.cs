using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>One named covariate column, numeric or categorical (a factor), in record order.</summary>
public sealed record Covariate
{
    private Covariate(string name, ImmutableArray<double> numeric, ImmutableArray<string?> categories, string? reference)
    {
        Name = name;
        NumericValues = numeric;
        CategoricalValues = categories;
        Reference = reference;
    }

    /// <summary>The column name (the term prefix, as R's <c>model.matrix</c>).</summary>
    public string Name { get; }

    /// <summary>Whether the column is numeric.</summary>
    public bool IsNumeric => !NumericValues.IsDefault;

    /// <summary>The values of a numeric column (NaN = missing); default for a categorical one.</summary>
    public ImmutableArray<double> NumericValues { get; }

    /// <summary>The values of a categorical column (null = missing); default for a numeric one.</summary>
    public ImmutableArray<string?> CategoricalValues { get; }

    /// <summary>The reference level of a categorical column (null = the first level in ordinal order, as R's factor()).</summary>
    public string? Reference { get; }

    /// <summary>The number of rows.</summary>
    public int Count => IsNumeric ? NumericValues.Length : CategoricalValues.Length;

    /// <summary>The distinct non-missing levels of a categorical column in ordinal string order (R's factor() levels
    /// under the C locale); empty for a numeric column.</summary>
    public ImmutableArray<string> Levels => IsNumeric
        ? []
        : CategoricalValues.Where(v => v is not null).Select(v => v!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();

    /// <summary>A numeric column.</summary>
    /// <param name="name">The name, non-empty.</param>
    /// <param name="values">The values; NaN is missing (an error when the column enters a model); ±∞ is rejected.</param>
    /// <returns>The covariate.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is infinite (index named).</exception>
    public static Covariate Numeric(string name, ReadOnlySpan<double> values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsInfinity(values[i]))
            {
                throw new ArgumentOutOfRangeException(nameof(values), values[i], $"values[{i}] of covariate '{name}' is infinite.");
            }
        }

        return new Covariate(name, values.ToImmutableArray(), default, null);
    }

    /// <summary>A categorical column (treatment contrasts against <paramref name="reference"/>).</summary>
    /// <param name="name">The name, non-empty.</param>
    /// <param name="values">The values; null is missing.</param>
    /// <param name="reference">The reference level; null = the first level in ordinal order, as R's factor().</param>
    /// <returns>The covariate.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or <paramref name="reference"/> is not a level.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static Covariate Categorical(string name, IReadOnlyList<string?> values, string? reference = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(values);
        var v = values.ToImmutableArray();
        if (reference is not null && !v.Contains(reference, StringComparer.Ordinal))
        {
            throw new ArgumentException($"reference '{reference}' is not a level of covariate '{name}'.", nameof(reference));
        }

        return new Covariate(name, default, v, reference);
    }

    /// <summary>The rows (0-based) whose value is missing.</summary>
    /// <returns>The indices, ascending.</returns>
    public ImmutableArray<int> MissingRows() => IsNumeric
        ? Enumerable.Range(0, Count).Where(i => double.IsNaN(NumericValues[i])).ToImmutableArray()
        : Enumerable.Range(0, Count).Where(i => CategoricalValues[i] is null).ToImmutableArray();

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {(IsNumeric ? "numeric" : $"categorical ({Levels.Length} levels, reference {Reference ?? Levels.FirstOrDefault() ?? "none"})")}, {Count} rows");
}
