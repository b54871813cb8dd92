using System.Diagnostics;
using AngleSharp.Html.Parser;
using CarTRisk.Plotting;
using CarTRisk.Tests.Support;
using SkiaSharp;
using Xunit.Abstractions;

namespace CarTRisk.Tests.Reporting;

/// <summary>Issue 10: the HTML report as a person sees it, rendered by headless Chromium (installed by .ci/run).</summary>
public sealed class HtmlReportBrowserTests(ITestOutputHelper output)
{
    private static string? FindChromium() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    private static (int ExitCode, string Stdout) Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} did not finish in 120 s");
        }

        return (p.ExitCode, stdout.Result);
    }

    [Fact]
    public void HtmlReport_RendersInChromium_WithTheHeadlineFigures()
    {
        var chromium = FindChromium();
        if (chromium is null)
        {
            // CI installs Debian's chromium (.ci/run); there a missing browser is a failure, not a pass.
            Assert.True(Environment.GetEnvironmentVariable("CI") is null, "CI=true but no chromium: .ci/run must install it");
            output.WriteLine("chromium is not installed: the browser check was not run (run .ci/run, which installs it)");
            return;
        }

        var report = SafetySummary.Compute(CohortCsv.Read(Golden.PathOf("Cohorts/example-cohort.csv")));
        string dir = Directory.CreateTempSubdirectory("cartrisk-html-").FullName;
        try
        {
            string html = Path.Combine(dir, "report.html"), png = Path.Combine(dir, "report.png");
            File.WriteAllText(html, report.ToHtmlWithFigures());
            string[] common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                "--disable-extensions", $"--user-data-dir={Path.Combine(dir, "profile")}"];
            var shot = Run(chromium, [.. common, "--window-size=1000,2400", $"--screenshot={png}", new Uri(html).AbsoluteUri]);
            Assert.True(File.Exists(png), $"chromium exited {shot.ExitCode} without a screenshot");
            using (var bitmap = SKBitmap.Decode(File.ReadAllBytes(png)))
            {
                int ink = 0, total = 0;
                for (int y = 0; y < bitmap.Height; y += 4)
                {
                    for (int x = 0; x < bitmap.Width; x += 4)
                    {
                        var c = bitmap.GetPixel(x, y);
                        ink += c.Red + c.Green + c.Blue < 600 ? 1 : 0;
                        total++;
                    }
                }

                Assert.InRange(ink / (double)total, 0.01, 0.6);   // not blank, not a black page
            }

            var dom = Run(chromium, [.. common, "--dump-dom", new Uri(html).AbsoluteUri]);
            var text = new HtmlParser().ParseDocument(dom.Stdout).Body!.TextContent;
            Assert.Contains("724", text, StringComparison.Ordinal);
            Assert.Contains("3.22 %", text, StringComparison.Ordinal);       // the 3-year Aalen-Johansen risk
            Assert.Contains("3.73 % (2.47 % to 5.38 %)", text, StringComparison.Ordinal);
            Assert.Contains("<11", text, StringComparison.Ordinal);
            Assert.Equal(2, new HtmlParser().ParseDocument(dom.Stdout).QuerySelectorAll("svg").Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Issue 26: the report printed to PDF by headless Chromium (A4 by default), read back with poppler's
    /// pdftotext: every table cell of the report is on one line (no "2.87 / %" or "brexu- / cel"), and every table's
    /// caption and last row are on the same page. Long product names make the widest table.</summary>
    [Fact]
    public void HtmlReport_PrintedToPdf_KeepsCellsOnOneLineAndTablesOnOnePage()
    {
        var chromium = FindChromium();
        var pdftotext = new[] { "/usr/bin/pdftotext" }.FirstOrDefault(File.Exists);
        if (chromium is null || pdftotext is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") is null, "CI=true but no chromium or pdftotext: .ci/run must install them");
            output.WriteLine("chromium or poppler-utils is not installed: the print check was not run (run .ci/run, which installs them)");
            return;
        }

        var records = CohortCsv.Read(Golden.PathOf("Cohorts/example-cohort.csv")).Records
            .Select(r => r with { Product = r.Product is null ? null : r.Product + " (tisagenlecleucel-like long name)" }).ToList();
        var report = SafetySummary.Compute(new Cohort(records));
        string dir = Directory.CreateTempSubdirectory("cartrisk-print-").FullName;
        try
        {
            string html = Path.Combine(dir, "report.html"), pdf = Path.Combine(dir, "report.pdf");
            File.WriteAllText(html, report.ToHtmlWithFigures());
            string[] common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                "--disable-extensions", $"--user-data-dir={Path.Combine(dir, "profile")}"];
            var printed = Run(chromium, [.. common, "--no-pdf-header-footer", $"--print-to-pdf={pdf}", new Uri(html).AbsoluteUri]);
            Assert.True(File.Exists(pdf), $"chromium exited {printed.ExitCode} without a PDF");
            var (code, text) = Run(pdftotext, "-layout", pdf, "-");
            Assert.Equal(0, code);
            var pages = text.Split('\f');
            // compared without white space: pdftotext's layout may print "1 y" as "1y"; a wrapped cell spans two lines either way
            static string Squeeze(string v) => System.Text.RegularExpressions.Regex.Replace(v, @"\s+", "");
            var lines = text.Split('\n').Select(Squeeze).ToArray();
            var doc = new HtmlParser().ParseDocument(report.ToHtml());
            foreach (var table in doc.QuerySelectorAll("table"))
            {
                // a prose table (the methods) wraps its sentences by design
                foreach (var cell in table.ClassList.Contains("prose") ? [] : table.QuerySelectorAll("td, th").Select(c => c.TextContent.Trim()).Where(c => c.Length > 0))
                {
                    Assert.True(lines.Any(l => l.Contains(Squeeze(cell), StringComparison.Ordinal)), $"the cell '{cell}' is not on one line of the printed report");
                }

                string caption = table.QuerySelector("caption")!.TextContent.Trim();
                var bodyRows = table.QuerySelectorAll("tbody tr");
                string last = bodyRows[^1].Children[0].TextContent.Trim();
                Assert.True(pages.Select(Squeeze).Any(pg => pg.Contains(Squeeze(caption), StringComparison.Ordinal) && pg.Contains(Squeeze(last), StringComparison.Ordinal)),
                    $"the table '{caption}' is split across pages");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void HtmlReport_IsSelfContained()
    {
        var report = SafetySummary.Compute(CohortCsv.Read(Golden.PathOf("Cohorts/example-cohort.csv")));
        var doc = new HtmlParser().ParseDocument(report.ToHtmlWithFigures());
        Assert.Empty(doc.QuerySelectorAll("script, link, img[src], iframe"));
        Assert.DoesNotContain("http://", doc.Head!.OuterHtml, StringComparison.Ordinal);
        Assert.Equal(7, doc.QuerySelectorAll("table").Length);   // summary, risk, onset, transgene, conditional, by product, methods
    }
}
