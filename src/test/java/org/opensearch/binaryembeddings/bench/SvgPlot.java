package org.opensearch.binaryembeddings.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small recall-vs-QPS line chart written as SVG by hand: x = recall@10 (linear), y = queries per second (log10),
 * one polyline with markers per series, in the order the points were added; a legend and a subtitle.
 */
public final class SvgPlot {

    private static final String[] COLORS = { "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f" };

    private final String title;
    private final String subtitle;
    private final Map<String, List<double[]>> series = new LinkedHashMap<>();

    public SvgPlot(String title, String subtitle) {
        this.title = title;
        this.subtitle = subtitle;
    }

    public void add(String name, double recall, double qps) {
        series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] { recall, qps });
    }

    public String render() {
        int w = 900, h = 560, left = 80, right = 250, top = 60, bottom = 60;
        double minRecall = 1, minQps = Double.MAX_VALUE, maxQps = 0;
        for (List<double[]> pts : series.values()) {
            for (double[] p : pts) {
                minRecall = Math.min(minRecall, p[0]);
                if (p[1] > 0) {
                    minQps = Math.min(minQps, p[1]);
                    maxQps = Math.max(maxQps, p[1]);
                }
            }
        }
        if (maxQps == 0) {
            minQps = 1;
            maxQps = 10;
        }
        double x0 = Math.max(0, Math.floor(Math.min(minRecall, 0.9) * 20) / 20), x1 = 1.0;
        double y0 = Math.floor(Math.log10(minQps)), y1 = Math.ceil(Math.log10(maxQps));
        if (y1 <= y0) {
            y1 = y0 + 1;
        }
        int pw = w - left - right, ph = h - top - bottom;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h, w, h));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">%s</text>%n", left, esc(title)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"42\" fill=\"#555\">%s</text>%n", left, esc(subtitle)));
        // grid and ticks
        for (double x = x0; x <= x1 + 1e-9; x += (x1 - x0) > 0.3 ? 0.1 : 0.05) {
            double px = left + (x - x0) / (x1 - x0) * pw;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", px, top, px, top + ph));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.2f</text>%n", px, top + ph + 18, x));
        }
        for (double e = y0; e <= y1 + 1e-9; e += 1) {
            for (int m : new int[] { 1, 2, 5 }) {
                double v = Math.log10(m * Math.pow(10, e));
                if (v > y1 + 1e-9) {
                    break;
                }
                double py = top + ph - (v - y0) / (y1 - y0) * ph;
                s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>%n", left, py, left + pw, py, m == 1 ? "#ccc" : "#eee"));
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left - 6, py + 4, fmt(m * Math.pow(10, e))));
            }
        }
        // recall 0.95 marker
        if (0.95 > x0) {
            double px = left + (0.95 - x0) / (x1 - x0) * pw;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>%n", px, top, px, top + ph));
        }
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n", left, top, pw, ph));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">recall@10 (vs exact float top 10)</text>%n", left + pw / 2, h - 16));
        s.append(String.format(Locale.ROOT, "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">queries / second (single thread, log scale)</text>%n", top + ph / 2, top + ph / 2));
        int i = 0;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            String color = COLORS[i % COLORS.length];
            StringBuilder path = new StringBuilder();
            for (double[] p : e.getValue()) {
                if (p[1] <= 0) {
                    continue;
                }
                double px = left + (Math.max(p[0], x0) - x0) / (x1 - x0) * pw;
                double py = top + ph - (Math.log10(p[1]) - y0) / (y1 - y0) * ph;
                path.append(path.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", px, py));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n", px, py, color));
            }
            if (e.getValue().size() > 1) {
                s.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\"/>%n", path, color));
            }
            int ly = top + 10 + i * 20;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>%n", left + pw + 12, ly, left + pw + 32, ly, color));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", left + pw + 38, ly + 4, esc(e.getKey())));
            i++;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String fmt(double v) {
        return v >= 1000 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String esc(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
