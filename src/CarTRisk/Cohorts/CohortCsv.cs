using System.Globalization;
using System.Text;
using CsvHelper;

namespace CarTRisk;

/// <summary>One problem found in a cohort CSV file.</summary>
/// <param name="Line">The 1-based line where the record starts, as a text editor shows it (the header is line 1).</param>
/// <param name="Column">The column name, or "" when the problem concerns the whole row.</param>
/// <param name="Value">The offending value as it appears in the file ("" when empty or not applicable).</param>
/// <param name="Message">What is wrong.</param>
public sealed record CohortRowError(int Line, string Column, string Value, string Message)
{
    /// <inheritdoc/>
    public override string ToString() =>
        Column.Length == 0
            ? string.Create(CultureInfo.InvariantCulture, $"line {Line}: {Message}")
            : string.Create(CultureInfo.InvariantCulture, $"line {Line}, column {Column}, value '{Value}': {Message}");
}

/// <summary>A cohort CSV file that breaks the rules of the cohort schema. Lists every bad row (the first
/// <see cref="CohortCsv.MaxErrorsKept"/> in full, then a count), not just the first.</summary>
public sealed class CohortFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errors">The problems kept, in file order.</param>
    /// <param name="source">The file name or "&lt;reader&gt;".</param>
    /// <param name="innerException">The first CsvHelper exception met, if any.</param>
    public CohortFormatException(IReadOnlyList<CohortRowError> errors, string source, Exception? innerException = null)
        : this(errors, errors?.Count ?? 0, source, innerException)
    {
    }

    /// <summary>Creates the exception with a total that may exceed the problems kept.</summary>
    /// <param name="errors">The problems kept, in file order.</param>
    /// <param name="totalErrors">How many problems were found in all.</param>
    /// <param name="source">The file name or "&lt;reader&gt;".</param>
    /// <param name="innerException">The first CsvHelper exception met, if any.</param>
    public CohortFormatException(IReadOnlyList<CohortRowError> errors, long totalErrors, string source, Exception? innerException = null)
        : base(Describe(errors ?? [], totalErrors, source), innerException)
    {
        Errors = errors ?? [];
        TotalErrors = totalErrors;
    }

    /// <summary>The problems kept (at most <see cref="CohortCsv.MaxErrorsKept"/>), in file order.</summary>
    public IReadOnlyList<CohortRowError> Errors { get; }

    /// <summary>How many problems were found in all (more than <see cref="Errors"/> holds when the cap was reached).</summary>
    public long TotalErrors { get; }

    private static string Describe(IReadOnlyList<CohortRowError> errors, long total, string source)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{source}: {total} problem(s) in the cohort CSV:");
        foreach (var e in errors.Take(50))
        {
            sb.Append("\n  ").Append(e);
        }

        if (total > 50)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n  ... and {total - 50} more ({errors.Count} kept in Errors).");
        }

        return sb.ToString();
    }
}

/// <summary>Options for <see cref="CohortCsv"/>.</summary>
public sealed record CohortCsvOptions
{
    /// <summary>The defaults: unknown columns are an error, no follow-up is extended, no covariates, and the missing
    /// markers "" and "NA".</summary>
    public static CohortCsvOptions Default { get; } = new();

    /// <summary>Whether columns outside the schema (and not declared in <see cref="Covariates"/>) are ignored instead of
    /// reported; they are listed in <see cref="Cohort.IgnoredColumns"/>. Header names always match exactly (ordinal,
    /// case-sensitive): <c>Death_Date</c> is not <c>death_date</c>.</summary>
    public bool AllowUnknownColumns { get; init; }

    /// <summary>Whether a malignancy after the last follow-up date is accepted: the last follow-up date is moved to the
    /// latest event date of the row and the change listed in <see cref="Cohort.Adjustments"/>. Off by default: such a
    /// row is invalid ("last_followup_date is the last day the patient was known alive and observed").</summary>
    public bool ExtendFollowUpToEvents { get; init; }

    /// <summary>Extra columns read as covariates (numeric when every non-missing value parses as an invariant double,
    /// else categorical); each must be in the header.</summary>
    public IReadOnlyList<string> Covariates { get; init; } = [];

    /// <summary>Field values that mean "missing" in every column, matched exactly (case-sensitive): by default the
    /// empty field and <c>NA</c> (what R's <c>write.csv</c> writes for a missing date). A missing required value is an
    /// error; nothing else is ever guessed.</summary>
    public IReadOnlyList<string> MissingValues { get; init; } = ["", "NA"];
}

/// <summary>Reads cohort CSV files (docs/cohort-schema.md) all-or-nothing.</summary>
/// <example>
/// <code>
/// Cohort cohort = CohortCsv.Read("samples/data/example-cohort.csv");
/// </code>
/// </example>
public static class CohortCsv
{
    internal const string PatientId = "patient_id", Product = "product", InfusionDate = "infusion_date",
        LastFollowUpDate = "last_followup_date", MalignancyDate = "malignancy_date", MalignancyType = "malignancy_type",
        DeathDate = "death_date", Transgene = "transgene", BirthDate = "birth_date", SexColumn = "sex";

    /// <summary>The most problems kept in <see cref="CohortFormatException.Errors"/>; the rest are counted.</summary>
    public const int MaxErrorsKept = 1000;

    /// <summary>The longest value quoted in an error; longer ones are cut and marked.</summary>
    public const int MaxReportedValueLength = 200;

    /// <summary>The longest field accepted (characters); no value of the schema comes near it.</summary>
    public const int MaxFieldLength = 10_000;

    /// <summary>The longest record accepted, in bytes of UTF-8 (1 MiB): a file of NUL bytes or an unclosed quote stops
    /// there with a <see cref="CohortFormatException"/> instead of filling memory.</summary>
    public const int MaxRecordBytes = 1 << 20;

    private static readonly string[] Required = [PatientId, InfusionDate, LastFollowUpDate];

    private static readonly string[] Known =
        [PatientId, Product, InfusionDate, LastFollowUpDate, MalignancyDate, MalignancyType, DeathDate, Transgene, BirthDate, SexColumn];

    // CsvHelper's defaults accept short rows, extra fields and bad quoting silently: all three throw here.
    internal static readonly CsvReaderOptions Strict = CsvReaderOptions.Default with
    {
        Separator = ',',
        HasHeader = true,
        MissingField = CsvMissingFieldHandling.Throw,
        FieldCountMismatch = CsvFieldCountHandling.Throw,
        MalformedData = CsvMalformedDataHandling.Throw,
        TrackLineNumbers = true,
        TrimWhitespace = false,
        PoolStrings = true,
        MaxRecordSize = MaxRecordBytes,
        FormatProvider = CultureInfo.InvariantCulture,
    };

    /// <summary>Reads a cohort CSV file (UTF-8, comma, header row, ISO dates).</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The cohort.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="CohortFormatException">Any row breaks the schema; every bad row is listed.</exception>
    /// <exception cref="IOException">The file cannot be read (e.g. <see cref="FileNotFoundException"/>, or
    /// <see cref="UnauthorizedAccessException"/> for a directory, whose message says "is a directory").</exception>
    public static Cohort Read(string path) => Read(path, CohortCsvOptions.Default);

    /// <inheritdoc cref="Read(string)"/>
    /// <param name="path">The file path.</param>
    /// <param name="options">Reading options.</param>
    public static Cohort Read(string path, CohortCsvOptions options)
    {
        RequireFile(path, options);

        using var reader = CsvReader.FromFile(path, Strict);
        return Load(reader, Path.GetFileName(path), options);
    }

    /// <summary>Parses cohort CSV text from a reader.</summary>
    /// <param name="reader">The text; read to its end, not disposed.</param>
    /// <returns>The cohort.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is null.</exception>
    /// <exception cref="CohortFormatException">Any row breaks the schema; every bad row is listed.</exception>
    public static Cohort Parse(TextReader reader) => Parse(reader, CohortCsvOptions.Default);

    /// <inheritdoc cref="Parse(TextReader)"/>
    /// <param name="reader">The text; read to its end, not disposed.</param>
    /// <param name="options">Reading options.</param>
    public static Cohort Parse(TextReader reader, CohortCsvOptions options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        using var csv = CsvReader.Create(reader, Strict, leaveOpen: true);
        return Load(csv, "<reader>", options);
    }

    /// <summary>The kept errors (capped) and the total.</summary>
    private sealed class ErrorLog
    {
        public List<CohortRowError> Kept { get; } = [];

        public long Total { get; private set; }

        public Exception? FirstInner { get; set; }

        public long DroppedAdjustments { get; set; }

        public bool HeaderFailed { get; set; }

        public void Add(int line, string column, string value, string message)
        {
            Total++;
            if (Kept.Count < MaxErrorsKept)
            {
                Kept.Add(new CohortRowError(line, column, Clip(value), message));
            }
        }
    }

    /// <summary>A value as quoted in an error: at most <see cref="MaxReportedValueLength"/> characters.</summary>
    internal static string Clip(string value) =>
        value.Length <= MaxReportedValueLength
            ? value
            : string.Create(CultureInfo.InvariantCulture, $"{value.AsSpan(0, MaxReportedValueLength)}... (truncated; {value.Length} characters)");

    private static Cohort Load(CsvReader csv, string source, CohortCsvOptions options)
    {
        var records = new List<CohortRecord>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var adjustments = new List<CohortAdjustment>();
        var (errors, ignored, covariates) = Scan(csv, options, adjustments, cap: false, (record, line, log) =>
        {
            if (!firstLine.TryAdd(record.PatientId, line))
            {
                log.Add(line, PatientId, record.PatientId, $"patient_id repeats line {firstLine[record.PatientId]}");
                return;
            }

            records.Add(record);
        });
        if (errors.Total > 0 || errors.HeaderFailed)
        {
            throw new CohortFormatException(errors.Kept, errors.Total, source, errors.FirstInner);
        }

        return new Cohort(records, ignored, adjustments, null).WithDeclaredCovariates(covariates);
    }

    /// <summary>Reads every row through the header check, field checks and <see cref="Convert"/> (every rule and
    /// message of the reader) and hands each valid record to <paramref name="accept"/>, which checks uniqueness.
    /// Returns the error log (the caller throws) or null columns when the header failed.</summary>
    private static (ErrorLog Errors, IReadOnlyList<string> Ignored, string[] Covariates) Scan(CsvReader csv, CohortCsvOptions options,
        List<CohortAdjustment> adjustments, bool cap, Action<CohortRecord, int, ErrorLog> accept, PlainRows? plain = null)
    {
        var errors = new ErrorLog();
        var covariates = (options.Covariates ?? []).ToArray();
        var missing = new HashSet<string>(options.MissingValues ?? [""], StringComparer.Ordinal);
        var columns = ReadHeader(csv, errors, options, covariates, out var ignored);
        if (columns is null || errors.Total > 0)
        {
            errors.HeaderFailed = true;
            return (errors, ignored, covariates);
        }

        var names = columns.Keys.ToArray();
        plain = plain?.Prepare(columns, options, covariates);
        int lastFailedLine = -1;
        while (true)
        {
            int line;
            string?[] fields;
            try
            {
                if (!csv.Read())
                {
                    break;
                }

                line = (int)csv.LineNumber;
                if (plain is not null && plain.TryAdd(csv))
                {
                    continue;   // a plain row, summarised from its bytes; any other row takes the full path below
                }

                fields = ReadFields(csv, columns, line, errors, missing, out bool ok);
                if (!ok)
                {
                    continue;
                }
            }
            catch (CsvFormatException e)
            {
                errors.FirstInner ??= e;
                int at = (int)e.LineNumber;
                errors.Add(at, e.Member ?? "", "", Clip(e.Message));
                if (at == lastFailedLine || e.Message.Contains("MaxRecordSize", StringComparison.Ordinal) || e.Message.Contains("larger than", StringComparison.Ordinal))
                {
                    errors.Add(at, "", "", $"reading stopped: a record is malformed beyond recovery or longer than {MaxRecordBytes} bytes");
                    break;
                }

                lastFailedLine = at;
                continue;
            }

            var record = Convert(fields, names, covariates, line, errors, options, adjustments);
            if (cap && adjustments.Count > MaxErrorsKept)
            {
                errors.DroppedAdjustments += adjustments.Count - MaxErrorsKept;
                adjustments.RemoveRange(MaxErrorsKept, adjustments.Count - MaxErrorsKept);
            }

            if (record is not null)
            {
                accept(record, line, errors);
            }
        }

        return (errors, ignored, covariates);
    }

    /// <summary>Streams a cohort CSV file to its sufficient statistics (<see cref="CohortSummary"/>) without keeping a
    /// record per patient: every rule and every error message of <see cref="Read(string, CohortCsvOptions)"/> applies
    /// (the same code reads each row). Memory grows with the distinct (product, days, cause, transgene) keys plus 8
    /// bytes per patient for the uniqueness check (a 64-bit hash of each patient_id; if two hashes agree the file is
    /// read a second time to name the repeated lines exactly, so the errors are those of the row-level reader).</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="CohortFormatException">Any row breaks the schema; the errors equal the row-level reader's.</exception>
    /// <exception cref="IOException">The file cannot be read (a directory, a missing file).</exception>
    public static CohortSummary Summarize(string path) => Summarize(path, CohortCsvOptions.Default);

    /// <inheritdoc cref="Summarize(string)"/>
    /// <param name="path">The file path.</param>
    /// <param name="options">Reading options (declared covariates are checked, not summarised).</param>
    public static CohortSummary Summarize(string path, CohortCsvOptions options) => Summarize(path, options, 8 << 20);

    /// <summary>The checks both file readers make before opening: a path, options, not a directory, an existing file.</summary>
    private static void RequireFile(string path, CohortCsvOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if (Directory.Exists(path))
        {
            throw new IOException($"Cohort file '{path}' is a directory, not a CSV file.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Cohort file '{path}' does not exist.", path);
        }
    }

    /// <summary>As <see cref="Summarize(string, CohortCsvOptions)"/>, splitting the file into parts of at least
    /// <paramref name="minimumPartBytes"/> for the cores (tests force small parts).</summary>
    internal static CohortSummary Summarize(string path, CohortCsvOptions options, long minimumPartBytes)
    {
        RequireFile(path, options);

        if (TrySummarizeInParallel(path, options, minimumPartBytes) is { } fast)
        {
            return fast;
        }

        var builder = new CohortSummary.Builder();
        var ids = new IdHashes();
        var adjustments = new List<CohortAdjustment>();
        ErrorLog errors;
        IReadOnlyList<string> ignored;
        using (var reader = CsvReader.FromFile(path, Strict))
        {
            (errors, ignored, _) = Scan(reader, options, adjustments, cap: true, (record, _, _) =>
            {
                ids.Add(record.PatientId);
                builder.Add(record);
            }, new PlainRows(builder, ids));
        }

        var suspects = errors.HeaderFailed ? [] : ids.RepeatedHashes();
        if (suspects.Count > 0)
        {
            // Second pass: the same scan, now checking the ids whose hash repeats exactly as the row-level reader does.
            var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
            using var reader = CsvReader.FromFile(path, Strict);
            (errors, _, _) = Scan(reader, options, [], cap: true, (record, line, log) =>
            {
                if (suspects.Contains(IdHashes.Hash(record.PatientId)) && !firstLine.TryAdd(record.PatientId, line))
                {
                    log.Add(line, PatientId, record.PatientId, $"patient_id repeats line {firstLine[record.PatientId]}");
                }
            });
        }

        if (errors.Total > 0 || errors.HeaderFailed)
        {
            throw new CohortFormatException(errors.Kept, errors.Total, Path.GetFileName(path), errors.FirstInner);
        }

        return builder.Build(ignored, adjustments, adjustments.Count + errors.DroppedAdjustments);
    }

    /// <summary>The file split at line ends into one part per core, each part read by the same scan (with the header in
    /// front); used only when every part is clean: any error, repeated id hash or adjustment sends the caller to the
    /// sequential scan, whose errors and line numbers are the row-level reader's. Null when not applicable.</summary>
    internal static CohortSummary? TrySummarizeInParallel(string path, CohortCsvOptions options, long minimumPart)
    {
        long length = new FileInfo(path).Length;
        int parts = (int)Math.Min(Math.Max(Environment.ProcessorCount, minimumPart < 1024 ? 4 : 1), length / Math.Max(1, minimumPart));
        if (parts < 2)
        {
            return null;
        }

        byte[] header;
        var starts = new long[parts + 1];
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess))
        {
            long headerEnd = NextLineStart(file, 0);
            if (headerEnd <= 0 || headerEnd >= length)
            {
                return null;
            }

            header = new byte[headerEnd];
            file.Position = 0;
            file.ReadExactly(header);
            starts[0] = 0;
            starts[parts] = length;
            for (int k = 1; k < parts; k++)
            {
                starts[k] = Math.Max(starts[k - 1], NextLineStart(file, Math.Max(headerEnd, length * k / parts)));
                if (starts[k] < 0)
                {
                    starts[k] = length;
                }
            }
        }

        var results = new (CohortSummary.Builder Builder, IdHashes Ids, ErrorLog Errors, IReadOnlyList<string> Ignored, int Adjusted)[parts];
        try
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, k =>
            {
                var builder = new CohortSummary.Builder();
                var ids = new IdHashes();
                var adjustments = new List<CohortAdjustment>();
                // the part's bytes go to the reader as bytes (as CsvReader.FromFile reads the whole file): no UTF-16 round trip
                using var stream = new PartStream(path, k == 0 ? [] : header, starts[k], starts[k + 1]);
                using var csv = CsvReader.Create(stream, Strict, leaveOpen: true);
                var (errors, ignored, _) = Scan(csv, options, adjustments, cap: true, (record, _, _) =>
                {
                    ids.Add(record.PatientId);
                    builder.Add(record);
                }, new PlainRows(builder, ids));
                results[k] = (builder, ids, errors, ignored, adjustments.Count);
            });
        }
        catch (AggregateException)
        {
            return null;
        }

        if (results.Any(r => r.Errors.Total > 0 || r.Errors.HeaderFailed || r.Adjusted > 0))
        {
            return null;   // the sequential scan reports errors and adjustments with their exact line numbers
        }

        var all = results[0].Ids;
        for (int k = 1; k < parts; k++)
        {
            all.Absorb(results[k].Ids);
        }

        if (all.RepeatedHashes().Count > 0)
        {
            return null;
        }

        var merged = results[0].Builder;
        for (int k = 1; k < parts; k++)
        {
            merged.Absorb(results[k].Builder);
        }

        return merged.Build(results[0].Ignored, [], 0);
    }

    /// <summary>The offset just after the first line feed at or after <paramref name="from"/>, or -1.</summary>
    private static long NextLineStart(FileStream file, long from)
    {
        var buffer = new byte[1 << 16];
        file.Position = from;
        long position = from;
        int read;
        while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
        {
            int i = Array.IndexOf(buffer, (byte)'\n', 0, read);
            if (i >= 0)
            {
                return position + i + 1;
            }

            position += read;
        }

        return -1;
    }

    /// <summary>A header followed by the bytes [start, end) of a file.</summary>
    private sealed class PartStream : Stream
    {
        private readonly FileStream file;
        private readonly byte[] header;
        private readonly long start, end;
        private int headerRead;
        private long position;
        private bool positioned;

        public PartStream(string path, byte[] header, long start, long end)
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            this.header = header;
            this.start = start;
            this.end = end;
            position = start;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (headerRead < header.Length)
            {
                int n = Math.Min(count, header.Length - headerRead);
                Array.Copy(header, headerRead, buffer, offset, n);
                headerRead += n;
                return n;
            }

            if (!positioned)
            {
                file.Position = start;
                positioned = true;
            }

            int want = (int)Math.Min(count, end - position);
            if (want <= 0)
            {
                return 0;
            }

            int got = file.Read(buffer, offset, want);
            position += got;
            return got;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                file.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// The streaming summary's fast path: a row whose every field is plain (printable ASCII, no leading or trailing
    /// space, within <see cref="MaxFieldLength"/>), whose dates are exactly yyyy-MM-dd, whose coded columns hold their
    /// usual values and which breaks none of <see cref="Cohort.Problems"/>'s rules goes straight from the field bytes
    /// into the summary (no string per field, no record). Any other row returns false and takes the full path, which
    /// judges it and words its errors exactly as before; so the fast path changes no result, only the cost of plain rows.
    /// Used only without covariates, with the empty cell as the only missing value.
    /// </summary>
    private sealed class PlainRows(CohortSummary.Builder builder, IdHashes ids)
    {
        private int[] all = [];
        private byte[][] tokens = [];
        private int id = -1, product = -1, infusion = -1, last = -1, malignancy = -1, type = -1, death = -1, transgene = -1, birth = -1, sex = -1;
        private readonly List<(byte[] Bytes, string Text)> products = [];

        /// <summary>This sink with the header's column positions, or null where the fast path does not apply.</summary>
        public PlainRows? Prepare(Dictionary<string, int> columns, CohortCsvOptions options, string[] covariates)
        {
            var missing = options.MissingValues ?? [""];
            if (covariates.Length > 0 || !missing.Contains("") || missing.Any(t => t.AsSpan().ContainsAnyExceptInRange(' ', '~')))
            {
                return null;
            }

            tokens = [.. missing.Where(t => t.Length > 0).Select(t => Encoding.ASCII.GetBytes(t))];

            int At(string name) => columns.TryGetValue(name, out int i) ? i : -1;
            all = [.. columns.Values];
            (id, product, infusion, last) = (At(PatientId), At(Product), At(InfusionDate), At(LastFollowUpDate));
            (malignancy, type, death, transgene) = (At(MalignancyDate), At(MalignancyType), At(DeathDate), At(Transgene));
            (birth, sex) = (At(BirthDate), At(SexColumn));
            return id < 0 || infusion < 0 || last < 0 ? null : this;
        }

        private static bool Is(ReadOnlySpan<byte> value, ReadOnlySpan<byte> text) => value.SequenceEqual(text);

        /// <summary>Adds the current row if it is plain and valid; false (nothing added) otherwise.</summary>
        public bool TryAdd(CsvReader csv)
        {
            foreach (int index in all)
            {
                var v = csv.GetSpan(index);
                if (v.Length > MaxFieldLength || (v.Length > 0 && !IsToken(v) && (v[0] == (byte)' ' || v[^1] == (byte)' ' || v.ContainsAnyExceptInRange((byte)' ', (byte)'~'))))
                {
                    return false;
                }
            }

            // a missing value (the empty cell or a token such as NA) reads as empty below, as the full path reads it as null
            ReadOnlySpan<byte> F(int index)
            {
                var v = csv.GetSpan(index);
                return IsToken(v) ? default : v;
            }

            if (F(id).IsEmpty || FastDate(F(infusion)) is not { } inf || FastDate(F(last)) is not { } lastDate)
            {
                return false;
            }

            DateOnly? m = null, d = null, b = null;
            if ((malignancy >= 0 && !Optional(F(malignancy), ref m)) || (death >= 0 && !Optional(F(death), ref d))
                || (birth >= 0 && !Optional(F(birth), ref b)))
            {
                return false;
            }

            var tg = TransgeneStatus.NotTested;
            if (transgene >= 0)
            {
                var v = F(transgene);
                if (Is(v, "positive"u8))
                {
                    tg = TransgeneStatus.Positive;
                }
                else if (Is(v, "negative"u8))
                {
                    tg = TransgeneStatus.Negative;
                }
                else if (!v.IsEmpty && !Is(v, "not_tested"u8))
                {
                    return false;
                }
            }

            if (sex >= 0 && F(sex) is { IsEmpty: false } sx && !Is(sx, "female"u8) && !Is(sx, "male"u8))
            {
                return false;
            }

            // Cohort.Problems' rules: any that applies sends the row to the full path for its message
            int limit = inf.DayNumber + Cohort.MaxFollowUpDays;
            if (lastDate < inf || m < inf || d < inf || (m is not null && d is not null && m > d) || m > lastDate
                || (tg != TransgeneStatus.NotTested && m is null) || (type >= 0 && !F(type).IsEmpty && m is null)
                || b > inf || lastDate.DayNumber > limit || m?.DayNumber > limit || d?.DayNumber > limit)
            {
                return false;
            }

            string? name = null;
            if (product >= 0 && F(product) is { IsEmpty: false } p)
            {
                if (Is(p, "(missing)"u8) || ProductName(p) is not { } known)
                {
                    return false;
                }

                name = known;
            }

            builder.Add(name, inf, lastDate, m, d, tg);
            ids.Add(IdHashes.Hash(F(id)));
            return true;
        }

        private bool IsToken(ReadOnlySpan<byte> v)
        {
            foreach (var t in tokens)
            {
                if (v.SequenceEqual(t))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool Optional(ReadOnlySpan<byte> v, ref DateOnly? date)
        {
            if (v.IsEmpty)
            {
                return true;
            }

            date = FastDate(v);
            return date is not null;
        }

        /// <summary>The product's string, one instance per distinct name (the first 64 names; a row with a name beyond
        /// them takes the full path).</summary>
        private string? ProductName(ReadOnlySpan<byte> bytes)
        {
            foreach (var (b, text) in products)
            {
                if (bytes.SequenceEqual(b))
                {
                    return text;
                }
            }

            if (products.Count >= 64)
            {
                return null;
            }

            string s = Encoding.ASCII.GetString(bytes);
            products.Add((bytes.ToArray(), s));
            return s;
        }
    }

    /// <summary>64-bit FNV-1a hashes of the patient ids in 256 buckets of 4,096-entry chunks (8 bytes a patient, no
    /// doubling copies); repeated hashes are found bucket by bucket.</summary>
    private sealed class IdHashes
    {
        private const int Chunk = 4096;
        private readonly List<long[]>[] buckets = Enumerable.Range(0, 256).Select(_ => new List<long[]>()).ToArray();
        private readonly int[] fill = new int[256];

        public static long Hash(string id) => Hash(id.AsSpan());

        /// <summary>FNV-1a over the characters, or over the bytes of an ASCII id (the same values, so the same hash).</summary>
        public static long Hash<T>(ReadOnlySpan<T> id)
            where T : unmanaged, System.Numerics.IBinaryInteger<T>
        {
            ulong h = 14695981039346656037UL;
            foreach (T c in id)
            {
                h = (h ^ ulong.CreateTruncating(c)) * 1099511628211UL;
            }

            return (long)h;
        }

        public void Add(string id) => Add(Hash(id));

        public void Add(long h)
        {
            int b = (int)((ulong)h >> 56);
            var chunks = buckets[b];
            if (chunks.Count == 0 || fill[b] == Chunk)
            {
                chunks.Add(new long[Chunk]);
                fill[b] = 0;
            }

            chunks[^1][fill[b]++] = h;
        }

        public void Absorb(IdHashes other)
        {
            for (int b = 0; b < 256; b++)
            {
                if (other.buckets[b].Count == 0)
                {
                    continue;
                }

                // keep this bucket's partly filled last chunk last: move the other's full chunks in front of it
                var mine = buckets[b];
                var theirs = other.buckets[b];
                if (mine.Count == 0)
                {
                    mine.AddRange(theirs);
                    fill[b] = other.fill[b];
                }
                else
                {
                    var last = mine[^1];
                    int lastFill = fill[b];
                    mine.RemoveAt(mine.Count - 1);
                    mine.AddRange(theirs.Take(theirs.Count - 1));
                    var theirLast = theirs[^1];
                    int theirFill = other.fill[b];
                    // two partly filled chunks: append the shorter into a fresh chunk pair
                    mine.Add(last);
                    fill[b] = lastFill;
                    for (int i = 0; i < theirFill; i++)
                    {
                        if (fill[b] == Chunk)
                        {
                            mine.Add(new long[Chunk]);
                            fill[b] = 0;
                        }

                        mine[^1][fill[b]++] = theirLast[i];
                    }
                }

                theirs.Clear();
            }
        }

        public HashSet<long> RepeatedHashes()
        {
            var repeated = new HashSet<long>();
            for (int b = 0; b < 256; b++)
            {
                var chunks = buckets[b];
                if (chunks.Count == 0)
                {
                    continue;
                }

                var all = new long[((chunks.Count - 1) * Chunk) + fill[b]];
                for (int k = 0; k < chunks.Count; k++)
                {
                    int n = k < chunks.Count - 1 ? Chunk : fill[b];
                    Array.Copy(chunks[k], 0, all, k * Chunk, n);
                }

                chunks.Clear();
                Array.Sort(all);
                for (int i = 1; i < all.Length; i++)
                {
                    if (all[i] == all[i - 1])
                    {
                        repeated.Add(all[i]);
                    }
                }
            }

            return repeated;
        }
    }

    /// <summary>The fields of the known and covariate columns by name; null for a missing value. Reports fields that
    /// are too long or hold forbidden characters.</summary>
    private static string?[] ReadFields(CsvReader csv, Dictionary<string, int> columns, int line, ErrorLog errors,
        HashSet<string> missing, out bool ok)
    {
        ok = true;
        bool emptyIsMissing = missing.Contains("");
        bool otherMissing = missing.Count > (emptyIsMissing ? 1 : 0);
        var fields = new string?[columns.Count];   // in the dictionary's (insertion) order, as Convert reads them
        int slot = 0;
        foreach (var (name, index) in columns)
        {
            string value = csv.GetString(index);
            // most files mark a missing value by an empty cell only: then no non-empty value needs a hash lookup
            bool isMissing = value.Length == 0 ? emptyIsMissing : otherMissing && missing.Contains(value);
            if (value.Length > MaxFieldLength)
            {
                errors.Add(line, name, value, $"{name} is {value.Length} characters long; fields are limited to {MaxFieldLength}");
                ok = false;
            }
            else if (!isMissing && Cohort.TextProblem(value) is { } problem)
            {
                errors.Add(line, name, Printable(value), $"{name} {problem}");
                ok = false;
            }
            else
            {
                fields[slot] = isMissing ? null : value;
            }

            slot++;
        }

        return fields;
    }

    /// <summary>A value with control characters shown as \uXXXX, so an error message cannot forge lines.</summary>
    internal static string Printable(string value)
    {
        var sb = new StringBuilder(Math.Min(value.Length, MaxReportedValueLength + 8));
        foreach (char c in value.AsSpan(0, Math.Min(value.Length, MaxReportedValueLength)))
        {
            if (char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                sb.Append(c);
            }
        }

        if (value.Length > MaxReportedValueLength)
        {
            sb.Append(CultureInfo.InvariantCulture, $"... (truncated; {value.Length} characters)");
        }

        return sb.ToString();
    }

    private static Dictionary<string, int>? ReadHeader(CsvReader csv, ErrorLog errors, CohortCsvOptions options,
        string[] covariates, out List<string> ignored)
    {
        ignored = [];
        IReadOnlyList<string>? headers;
        try
        {
            headers = csv.Headers;
        }
        catch (CsvFormatException e)
        {
            errors.FirstInner = e;
            errors.Add(1, "", "", "the header row is malformed: " + Clip(e.Message));
            return null;
        }

        if (headers is null || headers.Count == 0 || (headers.Count == 1 && headers[0].Length == 0))
        {
            errors.Add(1, "", "", "the file is empty; a header row with patient_id, infusion_date and last_followup_date is required");
            return null;
        }

        foreach (var c in covariates)
        {
            if (Known.Contains(c, StringComparer.Ordinal))
            {
                errors.Add(1, c, c, $"covariate '{c}' is a column of the cohort schema; declare only extra columns");
            }
        }

        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < headers.Count; i++)
        {
            string h = headers[i];
            if (Cohort.TextProblem(h) is { } problem)
            {
                errors.Add(1, Printable(h), Printable(h), $"header name {problem}");
            }
            else if (columns.ContainsKey(h) || ignored.Contains(h, StringComparer.Ordinal))
            {
                errors.Add(1, h, h, $"column '{h}' appears more than once in the header");
            }
            else if (Known.Contains(h, StringComparer.Ordinal) || covariates.Contains(h, StringComparer.Ordinal))
            {
                columns.Add(h, i);
            }
            else if (options.AllowUnknownColumns)
            {
                ignored.Add(h);
            }
            else
            {
                string? near = Known.Concat(covariates).FirstOrDefault(k => string.Equals(k, h.Trim(), StringComparison.OrdinalIgnoreCase));
                errors.Add(1, Printable(h), Printable(h),
                    $"unknown column '{Printable(h)}'{(near is null ? "" : $" (did you mean '{near}'? names match exactly)")}; the cohort schema has {string.Join(", ", Known)} (CohortCsvOptions.Covariates declares extra columns, AllowUnknownColumns ignores and lists others)");
            }
        }

        foreach (var required in Required.Concat(covariates))
        {
            if (!columns.ContainsKey(required) && !errors.Kept.Any(e => e.Column == required))
            {
                errors.Add(1, required, "", $"the header lacks the {(Required.Contains(required) ? "required" : "declared covariate")} column '{required}'");
            }
        }

        return columns;
    }

    private static CohortRecord? Convert(string?[] fields, string[] names, string[] covariates, int line,
        ErrorLog errors, CohortCsvOptions options, List<CohortAdjustment> adjustments)
    {
        long before = errors.Total;
        string? Get(string name)
        {
            // the header's names are few: compare lengths first, then the text (no per-row hashing)
            for (int slot = 0; slot < names.Length; slot++)
            {
                if (names[slot].Length == name.Length && string.Equals(names[slot], name, StringComparison.Ordinal))
                {
                    return fields[slot];
                }
            }

            return null;
        }

        string id = Get(PatientId) ?? "";
        if (id.Length == 0)
        {
            errors.Add(line, PatientId, "", "patient_id is missing or empty");
        }

        var infusion = RequiredDate(Get(InfusionDate), InfusionDate, line, errors);
        var lastFollowUp = RequiredDate(Get(LastFollowUpDate), LastFollowUpDate, line, errors);
        var malignancy = OptionalDate(Get(MalignancyDate), MalignancyDate, line, errors);
        var death = OptionalDate(Get(DeathDate), DeathDate, line, errors);
        var birth = OptionalDate(Get(BirthDate), BirthDate, line, errors);
        var transgene = TransgeneStatus.NotTested;
        switch (Get(Transgene))
        {
            case null:
            case "not_tested":
                break;
            case "positive":
                transgene = TransgeneStatus.Positive;
                break;
            case "negative":
                transgene = TransgeneStatus.Negative;
                break;
            case var other:
                errors.Add(line, Transgene, other, "transgene must be positive, negative, not_tested or empty");
                break;
        }

        Sex? sex = null;
        switch (Get(SexColumn))
        {
            case null:
                break;
            case "female":
                sex = CarTRisk.Sex.Female;
                break;
            case "male":
                sex = CarTRisk.Sex.Male;
                break;
            case var other:
                errors.Add(line, SexColumn, other, "sex must be female, male or empty (unknown)");
                break;
        }

        if (errors.Total > before || infusion is null || lastFollowUp is null)
        {
            return null;
        }

        Dictionary<string, string>? covariateValues = null;
        foreach (var c in covariates)
        {
            if (Get(c) is { } v)
            {
                if (double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x) && !double.IsFinite(x))
                {
                    // NaN, Infinity, -Infinity or an overflow such as 1e400: not a value a model can use, nor a category
                    errors.Add(line, c, v, $"covariate '{c}' is {Printable(v)}, not a finite number (leave the cell empty for a missing value)");
                    continue;
                }

                covariateValues ??= new Dictionary<string, string>(StringComparer.Ordinal);
                covariateValues[c] = v;
            }
        }

        var last = lastFollowUp.Value;
        if (options.ExtendFollowUpToEvents && malignancy is { } m && m > last)
        {
            var latest = death is { } d && d > m ? d : m;
            adjustments.Add(new CohortAdjustment(line, id, LastFollowUpDate, Cohort.Iso(last), Cohort.Iso(latest),
                "malignancy_date after last_followup_date; follow-up extended to the latest event (ExtendFollowUpToEvents)"));
            last = latest;
        }

        var record = new CohortRecord(id, Get(Product), infusion.Value, last, malignancy, Get(MalignancyType), death, transgene)
        {
            BirthDate = birth,
            Sex = sex,
        };
        if (covariates.Length > 0)
        {
            record = record with
            {
                Covariates = new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(covariateValues ?? new Dictionary<string, string>(StringComparer.Ordinal)),
            };
        }
        foreach (var (column, value, message) in Cohort.Problems(record))
        {
            errors.Add(line, column, value, message);
        }

        if (errors.Total > before)
        {
            if (adjustments.Count > 0 && adjustments[^1].Line == line)
            {
                adjustments.RemoveAt(adjustments.Count - 1);
            }

            return null;
        }

        return record;
    }

    private static DateOnly? RequiredDate(string? text, string column, int line, ErrorLog errors)
    {
        if (text is null)
        {
            errors.Add(line, column, "", $"{column} is missing or empty");
            return null;
        }

        return ParseDate(text, column, line, errors);
    }

    private static DateOnly? OptionalDate(string? text, string column, int line, ErrorLog errors) =>
        text is null ? null : ParseDate(text, column, line, errors);

    private static DateOnly? ParseDate(string text, string column, int line, ErrorLog errors)
    {
        if (FastDate(text) is { } fast)
        {
            return fast;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors.Add(line, column, text, $"{column} is not a date of the form yyyy-MM-dd");
        return null;
    }

    /// <summary>"yyyy-MM-dd" of exactly ten ASCII characters read digit by digit (the common case); null for anything
    /// else, which then goes to <see cref="DateOnly.TryParseExact(string, string, IFormatProvider, DateTimeStyles, out DateOnly)"/>
    /// so that every other form is judged exactly as before.</summary>
    internal static DateOnly? FastDate(string text) => FastDate(text.AsSpan());

    /// <summary><see cref="FastDate(string)"/> over UTF-16 characters or UTF-8 bytes (the streaming reader's fast path
    /// reads the bytes of a field).</summary>
    internal static DateOnly? FastDate<T>(ReadOnlySpan<T> text)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        if (text.Length != 10 || int.CreateTruncating(text[4]) != '-' || int.CreateTruncating(text[7]) != '-')
        {
            return null;
        }

        int Digits(ReadOnlySpan<T> chars, int start, int count)
        {
            int v = 0;
            for (int k = start; k < start + count; k++)
            {
                int d = int.CreateTruncating(chars[k]) - '0';
                if ((uint)d > 9)
                {
                    return -1;
                }

                v = (v * 10) + d;
            }

            return v;
        }

        int year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return null;
        }

        return new DateOnly(year, month, day);
    }
}
