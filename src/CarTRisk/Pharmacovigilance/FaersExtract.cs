using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>Options of <see cref="FaersExtract.Read"/>.</summary>
public sealed record FaersOptions
{
    /// <summary>Suspect roles only (PS, SS), no mapping, no strata.</summary>
    public static FaersOptions Default { get; } = new();

    /// <summary>Drug names (DRUG drugname or prod_ai, upper-cased and trimmed) to a canonical drug, e.g.
    /// "YESCARTA" and "AXICABTAGENE CILOLEUCEL" to "axi-cel". Unmapped names stay as they are (upper-cased), so the rest
    /// of the database forms the comparator, unless <see cref="OnlyMapped"/>.</summary>
    public IReadOnlyDictionary<string, string> DrugMapping { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether drugs without a mapping are left out (their reports still count as reports).</summary>
    public bool OnlyMapped { get; init; }

    /// <summary>The DRUG role codes kept: PS (primary suspect), SS (secondary suspect) by default; add C (concomitant)
    /// or I (interacting) to widen.</summary>
    public IReadOnlySet<string> Roles { get; init; } = new HashSet<string>(["PS", "SS"], StringComparer.Ordinal);

    /// <summary>The files' text encoding; null = detected per file: UTF-8 when every byte sequence of the file is valid
    /// UTF-8 (ASCII included), otherwise Windows-1252 (the FAERS ASCII files are not guaranteed to be UTF-8, and
    /// decoding Latin-1 names as UTF-8 would merge "CAFÉ" and "CAFÈ" into one replacement-character name).</summary>
    public System.Text.Encoding? Encoding { get; init; }

    /// <summary>The longest line accepted, in characters (default 1,000,000; FAERS lines are a few hundred): a longer
    /// line is an error naming the file and line, so a file without line breaks cannot exhaust memory.</summary>
    public int MaxLineLength { get; init; } = 1_000_000;

    /// <summary>Whether each report gets a stratum "age group|sex|year" (age &lt;18, 18-64, 65+ or unknown from age and
    /// age_cod; sex F, M or unknown; the year of fda_dt) for stratified expected counts.</summary>
    public bool Stratify { get; init; }
}

/// <summary>Report-level rows from a FAERS extract, after de-duplication.</summary>
/// <param name="ReportIds">The report (FAERS primaryid) of each row.</param>
/// <param name="Drugs">The (mapped) drug of each row.</param>
/// <param name="Events">The event (MedDRA preferred term) of each row.</param>
/// <param name="Strata">The stratum of each row, or empty without <see cref="FaersOptions.Stratify"/>.</param>
public sealed record FaersReports(ImmutableArray<string> ReportIds, ImmutableArray<string> Drugs, ImmutableArray<string> Events, ImmutableArray<string> Strata)
{
    /// <summary>Cases (caseid) kept: one report each, the latest version.</summary>
    public int Cases { get; init; }

    /// <summary>Earlier versions of the same cases that were dropped.</summary>
    public int SupersededVersions { get; init; }

    /// <summary>Observed and expected counts per pair (= openEBGM processRaw on these rows).</summary>
    /// <returns>The counts.</returns>
    public PairCounts ToPairCounts() => Disproportionality.CountPairs(ReportIds, Drugs, Events, Strata.IsEmpty ? null : Strata);
}

/// <summary>Reads the FAERS quarterly ASCII extract (DEMO, DRUG and REAC tables, <c>$</c>-separated, header row).</summary>
public static class FaersExtract
{
    /// <summary>Reads the three tables, keeps the latest version of each case (highest caseversion, then latest fda_dt,
    /// then highest primaryid), the drugs of the chosen roles (mapped by <see cref="FaersOptions.DrugMapping"/>) and
    /// the reactions, and returns one row per report × drug × event.</summary>
    /// <param name="demoPath">DEMOyyQq.txt (primaryid, caseid, caseversion, fda_dt; age, age_cod, sex for strata).</param>
    /// <param name="drugPath">DRUGyyQq.txt (primaryid, role_cod, drugname, prod_ai).</param>
    /// <param name="reacPath">REACyyQq.txt (primaryid, pt).</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <returns>The report-level rows.</returns>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="FormatException">A header lacks a column, or a line has the wrong number of fields or a bad
    /// number (file, line and column named; at most 1,000 problems listed).</exception>
    public static FaersReports Read(string demoPath, string drugPath, string reacPath, FaersOptions? options = null)
    {
        options ??= FaersOptions.Default;
        if (options.MaxLineLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxLineLength, "options.MaxLineLength must be at least 1.");
        }

        var problems = new List<string>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);   // one string instance per distinct value
        string Intern(string v)
        {
            if (!names.TryGetValue(v, out var shared))
            {
                names[v] = shared = v;
            }

            return shared;
        }

        // DEMO: per case only the latest version's key fields (no row is kept); a primaryid on two caseids is an error
        var latest = new Dictionary<string, (string Primary, long Version, string FdaDt, string Stratum)>(StringComparer.Ordinal);
        var primaries = new Dictionary<string, (int Line, string CaseId)>(StringComparer.Ordinal);
        int rows = 0;
        string demoName = Path.GetFileName(demoPath);
        Scan(demoPath, ["primaryid", "caseid", "caseversion", "fda_dt"], ["age", "age_cod", "sex"], options, problems, (line, f) =>
        {
            rows++;
            if (!long.TryParse(f[2]!, NumberStyles.Integer, CultureInfo.InvariantCulture, out long version))
            {
                Problem(problems, $"{demoName}, line {line}, column caseversion: '{CohortCsv.Clip(f[2]!)}' is not a whole number.");
                return;
            }

            string caseId = f[1]!, primary = f[0]!, fda = f[3]!;
            if (primaries.TryGetValue(primary, out var seen))
            {
                if (seen.CaseId != caseId)
                {
                    Problem(problems, $"{demoName}, line {line}, column primaryid: '{CohortCsv.Clip(primary)}' also appears on line {seen.Line} with caseid '{CohortCsv.Clip(seen.CaseId)}'; a report belongs to one case.");
                }
                else
                {
                    Problem(problems, $"{demoName}, line {line}, column primaryid: '{CohortCsv.Clip(primary)}' repeats line {seen.Line}.");
                }

                return;
            }

            primaries[primary] = (line, caseId);
            if (!latest.TryGetValue(caseId, out var current) || version > current.Version
                || (version == current.Version && (string.CompareOrdinal(fda, current.FdaDt) > 0 || (fda == current.FdaDt && string.CompareOrdinal(primary, current.Primary) > 0))))
            {
                latest[caseId] = (primary, version, fda, options.Stratify ? Intern(Stratum(f[4], f[5], f[6], fda)) : "");
            }
        });
        primaries.Clear();
        primaries.TrimExcess();
        Throw(problems);

        var kept = new Dictionary<string, string>(latest.Count, StringComparer.Ordinal);   // primaryid -> stratum
        foreach (var v in latest.Values)
        {
            kept[v.Primary] = v.Stratum;
        }

        var drugsByReport = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        Scan(drugPath, ["primaryid", "role_cod", "drugname"], ["prod_ai"], options, problems, (_, f) =>
        {
            if (!kept.ContainsKey(f[0]!) || !options.Roles.Contains(f[1]!.Trim()))
            {
                return;
            }

            string name = f[2]!.Trim().ToUpperInvariant();
            string? ai = f[3]?.Trim().ToUpperInvariant();
            string? mapped = options.DrugMapping.TryGetValue(name, out var m) ? m : ai is not null && options.DrugMapping.TryGetValue(ai, out var m2) ? m2 : null;
            if (mapped is null && (options.OnlyMapped || name.Length == 0))
            {
                return;
            }

            if (!drugsByReport.TryGetValue(f[0]!, out var set))
            {
                drugsByReport[Intern(f[0]!)] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(Intern(mapped ?? name));
        });
        Throw(problems);

        var eventsByReport = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        Scan(reacPath, ["primaryid", "pt"], [], options, problems, (_, f) =>
        {
            string pt = f[1]!.Trim();
            if (pt.Length == 0 || !drugsByReport.ContainsKey(f[0]!))
            {
                return;   // a report without a kept drug gives no row: its reactions need not be held
            }

            if (!eventsByReport.TryGetValue(f[0]!, out var list))
            {
                eventsByReport[Intern(f[0]!)] = list = [];
            }

            pt = Intern(pt);
            if (!list.Contains(pt))
            {
                list.Add(pt);
            }
        });
        Throw(problems);

        var ids = ImmutableArray.CreateBuilder<string>();
        var drugs = ImmutableArray.CreateBuilder<string>();
        var events = ImmutableArray.CreateBuilder<string>();
        var strata = ImmutableArray.CreateBuilder<string>();
        foreach (var (primary, stratum) in kept.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            if (!drugsByReport.TryGetValue(primary, out var ds) || !eventsByReport.TryGetValue(primary, out var es))
            {
                continue;
            }

            foreach (var d in ds.Order(StringComparer.Ordinal))
            {
                foreach (var ev in es)
                {
                    ids.Add(primary);
                    drugs.Add(d);
                    events.Add(ev);
                    if (options.Stratify)
                    {
                        strata.Add(stratum);
                    }
                }
            }
        }

        return new FaersReports(ids.ToImmutable(), drugs.ToImmutable(), events.ToImmutable(), strata.ToImmutable())
        {
            Cases = latest.Count,
            SupersededVersions = rows - latest.Count,
        };
    }

    private const int MaxProblems = 1000;

    private static void Problem(List<string> problems, string message)
    {
        if (problems.Count <= MaxProblems)
        {
            problems.Add(message);
        }
    }

    private static void Throw(List<string> problems)
    {
        if (problems.Count > 0)
        {
            throw new FormatException(string.Join("\n", problems.Take(MaxProblems)) + (problems.Count > MaxProblems ? "\n... and more" : ""));
        }
    }

    private static string Stratum(string? ageText, string? ageCod, string? sexText, string fdaDt)
    {
        double years = double.NaN;
        if (ageText is not null && double.TryParse(ageText, NumberStyles.Float, CultureInfo.InvariantCulture, out var age))
        {
            string unit = ageCod is not null ? ageCod.Trim().ToUpperInvariant() : "YR";
            years = unit switch { "YR" => age, "DEC" => age * 10, "MON" => age / 12, "WK" => age / 52.1775, "DY" => age / 365.25, "HR" => age / 8766, _ => double.NaN };
        }

        string ageGroup = double.IsNaN(years) ? "age unknown" : years < 18 ? "<18" : years < 65 ? "18-64" : "65+";
        string sex = sexText is not null && (sexText.Trim() == "F" || sexText.Trim() == "M") ? sexText.Trim() : "sex unknown";
        string year = fdaDt.Length >= 4 ? fdaDt[..4] : "year unknown";
        return $"{ageGroup}|{sex}|{year}";
    }

    /// <summary>UTF-8 when the whole file is valid UTF-8, else Windows-1252 (one streaming pass over the bytes).</summary>
    private static System.Text.Encoding Detect(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[1 << 16];
        int carry = 0, read;
        while ((read = stream.Read(buffer, carry, buffer.Length - carry)) > 0)
        {
            int length = carry + read;
            // a multi-byte sequence may straddle the block: hold back up to 3 bytes of an unfinished sequence
            int end = length;
            for (int back = 1; back <= 3 && back <= length; back++)
            {
                byte b = buffer[length - back];
                if ((b & 0xC0) == 0xC0)
                {
                    int need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                    end = back < need ? length - back : length;
                    break;
                }

                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            if (!System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, end)))
            {
                return Windows1252;
            }

            carry = length - end;
            Array.Copy(buffer, end, buffer, 0, carry);
        }

        return carry == 0 || System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, carry)) ? new System.Text.UTF8Encoding(false) : Windows1252;
    }

    private static System.Text.Encoding Windows1252
    {
        get
        {
            System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
            return System.Text.Encoding.GetEncoding(1252);
        }
    }

    /// <summary>Streams one '$'-separated table: the header must name the required columns; each line's fields (required
    /// then optional, null where the file lacks an optional column) go to <paramref name="row"/>. Every problem names the
    /// file and line (and column); a line longer than the limit, a wrong number of fields and a control character
    /// (NUL included) in a field are problems.</summary>
    private static void Scan(string path, string[] required, string[] optional, FaersOptions options, List<string> problems, Action<int, string?[]> row)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"FAERS file '{path}' does not exist.", path);
        }

        string name = Path.GetFileName(path);
        var encoding = options.Encoding ?? Detect(path);
        using var reader = new StreamReader(path, encoding, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        var lines = new BoundedLines(reader, options.MaxLineLength);
        string? headerLine = lines.Next(out bool tooLong);
        if (headerLine is null)
        {
            problems.Add(tooLong ? $"{name}, line 1: the header is longer than {options.MaxLineLength} characters." : $"{name}, line 1: the file is empty.");
            return;
        }

        var header = headerLine.TrimStart('\uFEFF').Split('$').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        foreach (var col in required.Where(r => !header.Contains(r)))
        {
            problems.Add($"{name}, line 1: the header lacks the column '{col}'.");
        }

        if (problems.Count > 0)
        {
            return;
        }

        var positions = required.Concat(optional).Select(c => Array.IndexOf(header, c)).ToArray();
        var values = new string?[positions.Length];
        int line = 1;
        while (true)
        {
            string? text = lines.Next(out tooLong);
            line++;
            if (tooLong)
            {
                Problem(problems, $"{name}, line {line}: the line is longer than {options.MaxLineLength} characters (no line break?).");
                return;   // the rest of the file cannot be split into lines reliably
            }

            if (text is null)
            {
                break;
            }

            if (text.Length == 0)
            {
                continue;
            }

            var fields = text.Split('$');
            // FAERS lines end with a trailing '$' in some quarters: one empty extra field is tolerated, nothing else.
            if (fields.Length == header.Length + 1 && fields[^1].Length == 0)
            {
                fields = fields[..^1];
            }

            if (fields.Length != header.Length)
            {
                Problem(problems, $"{name}, line {line}: {fields.Length} fields, the header has {header.Length}.");
                continue;
            }

            bool bad = false;
            for (int k = 0; k < positions.Length; k++)
            {
                string? v = positions[k] < 0 ? null : fields[positions[k]];
                int control = v is null ? -1 : v.AsSpan().IndexOfAnyInRange('\0', '\u001F');
                if (control >= 0 && v![control] != '\t')
                {
                    Problem(problems, $"{name}, line {line}, column {header[positions[k]]}: '{CohortCsv.Clip(v)}' holds the control character U+{(int)v[control]:X4} at position {control + 1}.");
                    bad = true;
                }

                values[k] = v;
            }

            if (!bad)
            {
                row(line, values);
            }
        }
    }

    /// <summary>Lines of at most a given length from a reader (\n, \r\n or \r), read in blocks.</summary>
    private sealed class BoundedLines(StreamReader reader, int maxLength)
    {
        private readonly char[] buffer = new char[1 << 16];
        private readonly System.Text.StringBuilder sb = new();
        private int pos;
        private int len;

        public string? Next(out bool tooLong)
        {
            tooLong = false;
            sb.Clear();
            bool any = false;
            while (true)
            {
                if (pos == len)
                {
                    len = reader.Read(buffer, 0, buffer.Length);
                    pos = 0;
                    if (len == 0)
                    {
                        return any ? sb.ToString() : null;
                    }
                }

                any = true;
                int found = buffer.AsSpan(pos, len - pos).IndexOfAny('\n', '\r');
                int i = found < 0 ? -1 : pos + found;
                int stop = i < 0 ? len : i;
                if (sb.Length + (stop - pos) > maxLength)
                {
                    tooLong = true;
                    return null;
                }

                sb.Append(buffer, pos, stop - pos);
                pos = stop;
                if (i < 0)
                {
                    continue;
                }

                pos++;
                if (buffer[i] == '\r')
                {
                    if (pos == len)
                    {
                        len = reader.Read(buffer, 0, buffer.Length);
                        pos = 0;
                    }

                    if (pos < len && buffer[pos] == '\n')
                    {
                        pos++;
                    }
                }

                return sb.ToString();
            }
        }
    }
}
