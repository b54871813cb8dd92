namespace CarTRisk;

/// <summary>
/// Maps cause codes (any int ≥ 0; 0 = censored) to the dense columns of an <see cref="EventTable"/>, so that cost grows
/// with the number of distinct codes and never with the largest code. Codes up to <see cref="DenseLimit"/> keep the
/// round-1 layout (columns 1..max, column c = cause c, absent codes as zero columns); beyond it the columns are the
/// distinct codes present, ascending.
/// </summary>
internal sealed class CauseCoding
{
    /// <summary>The largest code for which the columns are 1..max (so column c is cause c).</summary>
    public const int DenseLimit = 64;

    private CauseCoding(int[] codes, bool identity)
    {
        Codes = codes;
        Identity = identity;
    }

    /// <summary>Column c (1-based) holds cause Codes[c − 1]; ascending.</summary>
    public int[] Codes { get; }

    /// <summary>Whether Codes is 1..K, so a cause code is its own column.</summary>
    public bool Identity { get; }

    /// <summary>The number of cause columns.</summary>
    public int Count => Codes.Length;

    public static CauseCoding Dense(int max) => new(Enumerable.Range(1, Math.Max(1, max)).ToArray(), true);

    public static CauseCoding FromCodes(int[] sortedDistinct) =>
        sortedDistinct.Length > 0 && sortedDistinct[^1] == sortedDistinct.Length && sortedDistinct[^1] <= DenseLimit
            ? Dense(sortedDistinct.Length)
            : new CauseCoding(sortedDistinct, false);

    /// <summary>Validates the causes (each ≥ 0, the index named otherwise) and finds the coding. <paramref name="extra"/>
    /// (when ≥ 1) is included even if absent (the event of interest, whose curve is then all zero).</summary>
    public static CauseCoding Scan(ReadOnlySpan<int> causes, string paramName, int extra = 0)
    {
        int max = Math.Max(0, extra);
        for (int i = 0; i < causes.Length; i++)
        {
            int c = causes[i];
            if (c < 0)
            {
                throw new ArgumentOutOfRangeException(paramName, c, $"{paramName}[{i}] is {c}; causes must be 0 (censored) or a positive cause code.");
            }

            if (c > max)
            {
                max = c;
            }
        }

        if (max <= DenseLimit)
        {
            return Dense(max);
        }

        var set = new HashSet<int>();
        if (extra > 0)
        {
            set.Add(extra);
        }

        int last = -1;
        foreach (int c in causes)
        {
            if (c != 0 && c != last)
            {
                set.Add(c);
                last = c;
            }
        }

        var codes = set.ToArray();
        Array.Sort(codes);
        return new CauseCoding(codes, false);
    }

    /// <summary>The column of a code (1-based), or −1 when the code has no column.</summary>
    public int ColumnOf(int code)
    {
        if (code <= 0)
        {
            return code == 0 ? 0 : -1;
        }

        if (Identity)
        {
            return code <= Codes.Length ? code : -1;
        }

        int i = Array.BinarySearch(Codes, code);
        return i >= 0 ? i + 1 : -1;
    }

    /// <summary>The causes as columns (0 stays 0); the input itself when the coding is the identity.</summary>
    public ReadOnlySpan<int> Columns(ReadOnlySpan<int> causes)
    {
        if (Identity)
        {
            return causes;
        }

        var map = new Dictionary<int, int>(Codes.Length);
        for (int i = 0; i < Codes.Length; i++)
        {
            map[Codes[i]] = i + 1;
        }

        var columns = new int[causes.Length];
        for (int i = 0; i < causes.Length; i++)
        {
            int c = causes[i];
            columns[i] = c == 0 ? 0 : map[c];
        }

        return columns;
    }

    /// <summary>The union of two codings (for merging tables).</summary>
    public static CauseCoding Union(CauseCoding a, CauseCoding b)
    {
        if (a.Identity && b.Identity)
        {
            return a.Count >= b.Count ? a : b;
        }

        return FromCodes(a.Codes.Union(b.Codes).Order().ToArray());
    }
}
