using System.Globalization;

namespace CarTRisk.Tests.Cohorts;

/// <summary>The reader's digit-by-digit date path accepts exactly what DateOnly.TryParseExact("yyyy-MM-dd") accepts
/// among ten-character strings (and declines everything else, which then goes to TryParseExact itself).</summary>
public sealed class FastDateTests
{
    [Fact]
    public void FastDate_AgreesWithTryParseExact()
    {
        var rng = new Random(23);
        var cases = new List<string> { "2019-02-29", "2020-02-29", "0000-01-01", "0001-01-01", "9999-12-31", "2020-13-01", "2020-00-10",
            "2020-01-00", "2020-01-32", "2020-04-31", "2020-1-010", "２０２０-01-01", "2020-01-1a", "2020/01/01", "+020-01-01", "-020-01-01",
            " 020-01-01", "2020-01-01 ", "20200-01-1" };
        for (int i = 0; i < 200_000; i++)
        {
            int y = rng.Next(0, 10_000), m = rng.Next(0, 14), d = rng.Next(0, 33);
            cases.Add(string.Create(CultureInfo.InvariantCulture, $"{y:D4}-{m:D2}-{d:D2}"));
        }

        foreach (var text in cases)
        {
            bool exact = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date);
            var fast = CohortCsv.FastDate(text);
            if (fast is { } f)
            {
                Assert.True(exact, text);
                Assert.Equal(date, f);
            }
            else if (text.Length == 10 && text.All(char.IsAsciiDigit) is false && text[4] == '-' && text[7] == '-' && text.Where((_, k) => k != 4 && k != 7).All(char.IsAsciiDigit))
            {
                Assert.False(exact, text);   // a well-formed string the fast path declines is a date TryParseExact refuses too
            }
        }
    }
}
