package io.cgfed.launcher.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small, dependency-free SVG chart: points with optional error bars and labels, joined by lines or
 * not, on linear or log axes, with ticks, a legend and a title. Output is deterministic text.
 */
public final class SvgPlot {
    static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#ad494a", "#7b4173"};
    private static final int WIDTH = 720;
    private static final int HEIGHT = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 200;
    private static final int TOP = 40;
    private static final int BOTTOM = 55;

    /** One point; {@code yError} (half-width of the bar) and {@code label} may be null. */
    public record Point(double x, double y, Double yError, String label) {
        public Point(double x, double y) {
            this(x, y, null, null);
        }
    }

    public record Series(String name, List<Point> points, boolean line) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private boolean logX;
    private boolean logY;
    private final List<Series> series = new ArrayList<>();
    private final List<Point> references = new ArrayList<>();

    public SvgPlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public SvgPlot logX() {
        logX = true;
        return this;
    }

    public SvgPlot logY() {
        logY = true;
        return this;
    }

    /** Adds a series; points that cannot be drawn (not finite, or not positive on a log axis) are left out. */
    public SvgPlot series(String name, List<Point> points, boolean line) {
        List<Point> drawable = points.stream().filter(p -> Double.isFinite(p.x()) && Double.isFinite(p.y())
                && (!logX || p.x() > 0) && (!logY || p.y() > 0)).toList();
        series.add(new Series(name, drawable, line));
        return this;
    }

    /** A dashed horizontal reference line at y (e.g. the untrained model's accuracy), with a label. */
    public SvgPlot reference(double y, String label) {
        if (Double.isFinite(y) && (!logY || y > 0)) {
            references.add(new Point(0, y, null, label));
        }
        return this;
    }

    public List<Series> series() {
        return List.copyOf(series);
    }

    public String render() {
        double[] xr = range(true);
        double[] yr = range(false);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", LEFT,
                esc(title)));
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#444\"/>%n", LEFT, TOP, plotW, plotH));
        for (double t : ticks(xr, logX)) {
            double px = px(t, xr, logX);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n",
                    px, TOP, px, TOP + plotH));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px,
                    TOP + plotH + 16, esc(tickLabel(t, logX))));
        }
        for (double t : ticks(yr, logY)) {
            double py = py(t, yr, logY);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    LEFT, py, LEFT + plotW, py));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6,
                    py + 4, esc(tickLabel(t, logY))));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", LEFT + plotW / 2,
                HEIGHT - 12, esc(xLabel)));
        s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">"
                + "%s</text>%n", TOP + plotH / 2, TOP + plotH / 2, esc(yLabel)));
        for (Point ref : references) {
            double ry = py(ref.y(), yr, logY);
            s.append(String.format(Locale.ROOT, "<line class=\"reference\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                    + "stroke=\"#888\" stroke-dasharray=\"5,4\"/>%n", LEFT, ry, LEFT + plotW, ry));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" fill=\"#666\" "
                    + "text-anchor=\"end\">%s</text>%n", LEFT + plotW - 4, ry - 4, esc(ref.label())));
        }
        List<double[]> placed = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            Series se = series.get(i);
            String colour = COLOURS[i % COLOURS.length];
            s.append(String.format(Locale.ROOT, "<g class=\"series\" data-name=\"%s\">%n", esc(se.name())));
            if (se.line() && se.points().size() > 1) {
                StringBuilder d = new StringBuilder();
                List<Point> sorted = se.points().stream().sorted(java.util.Comparator.comparingDouble(Point::x)).toList();
                for (Point p : sorted) {
                    d.append(d.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", px(p.x(), xr, logX),
                            py(p.y(), yr, logY)));
                }
                s.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                        + "stroke-width=\"1.5\"/>%n", d, colour));
            }
            for (Point p : se.points()) {
                double cx = px(p.x(), xr, logX);
                double cy = py(p.y(), yr, logY);
                if (p.yError() != null && p.yError() > 0) {
                    double lo = p.y() - p.yError();
                    double hi = p.y() + p.yError();
                    if (logY && lo <= 0) {
                        lo = yr[0];
                    }
                    s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                            + "stroke=\"%s\"/>%n", cx, py(clamp(lo, yr), yr, logY), cx, py(clamp(hi, yr), yr, logY), colour));
                }
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>%n", cx, cy,
                        colour));
                if (p.label() != null) {
                    double[] at = place(placed, cx + 6, cy - 6, 5.6 * p.label().length(), 11);
                    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"%s\">%s</text>%n",
                            at[0], at[1], colour, esc(p.label())));
                }
            }
            s.append("</g>\n");
            int ly = TOP + 10 + i * 18;
            int lx = LEFT + plotW + 12;
            s.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>%n", lx, ly, colour));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", lx + 9, ly + 4, esc(se.name())));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    /**
     * Where a label goes: at (x, y) (its baseline), else the nearest free place a line or more above or below,
     * so that labels of points close together do not cover each other.
     */
    static double[] place(List<double[]> placed, double x, double y, double w, double h) {
        double[] tries = {0, 12, -12, 24, -24, 36, -36, 48, -48, 60};
        for (double dy : tries) {
            double[] box = {x, y + dy - h + 2, x + w, y + dy + 2};
            boolean free = placed.stream().noneMatch(b -> box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]);
            if (free) {
                placed.add(box);
                return new double[] {x, y + dy};
            }
        }
        placed.add(new double[] {x, y - h + 2, x + w, y + 2});
        return new double[] {x, y};
    }

    private static double clamp(double v, double[] r) {
        return Math.max(r[0], Math.min(r[1], v));
    }

    /** The axis range over every point (and error bar), padded; log axes round out to whole decades. */
    double[] range(boolean x) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        boolean log = x ? logX : logY;
        for (Series se : series) {
            for (Point p : se.points()) {
                double v = x ? p.x() : p.y();
                double err = !x && p.yError() != null ? p.yError() : 0;
                lo = Math.min(lo, log ? v : v - err);
                hi = Math.max(hi, v + err);
            }
        }
        if (!x) {
            for (Point ref : references) {
                lo = Math.min(lo, ref.y());
                hi = Math.max(hi, ref.y());
            }
        }
        if (lo == Double.POSITIVE_INFINITY) {
            return log ? new double[] {1, 10} : new double[] {0, 1};
        }
        if (log) {
            double a = Math.pow(10, Math.floor(Math.log10(lo)));
            double b = Math.pow(10, Math.ceil(Math.log10(hi)));
            return b <= a ? new double[] {a, a * 10} : new double[] {a, b};
        }
        if (hi - lo < 1e-12) {
            double pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
            return new double[] {lo - pad, hi + pad};
        }
        double pad = (hi - lo) * 0.08;
        return new double[] {lo - pad, hi + pad};
    }

    static List<Double> ticks(double[] r, boolean log) {
        List<Double> out = new ArrayList<>();
        if (log) {
            // decades; with three decades or fewer, 2 and 5 between them too
            boolean fine = Math.log10(r[1] / r[0]) <= 3.0001;
            for (double t = r[0]; t <= r[1] * 1.0001; t *= 10) {
                out.add(t);
                if (fine) {
                    for (double m : new double[] {2, 5}) {
                        if (t * m < r[1] * 0.9999) {
                            out.add(t * m);
                        }
                    }
                }
            }
            return out;
        }
        double span = r[1] - r[0];
        double raw = span / 6;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        for (long k = (long) Math.ceil(r[0] / step - 1e-9); k * step <= r[1] + step * 1e-9; k++) {
            // k x step, rounded to the step's precision (no 0.30000000000000004)
            out.add(k == 0 ? 0.0 : Double.parseDouble(String.format(Locale.ROOT, "%.12g", k * step)));
        }
        return out;
    }

    static String tickLabel(double t, boolean log) {
        if (log) {
            int e = (int) Math.floor(Math.log10(t) + 1e-9);
            long mantissa = Math.round(t / Math.pow(10, e));
            return e >= 0 && e <= 6 ? String.format(Locale.ROOT, "%,d", Math.round(t)) : mantissa + "e" + e;
        }
        if (t == Math.rint(t) && Math.abs(t) < 1e6) {
            return Long.toString((long) t);
        }
        String s = String.format(Locale.ROOT, "%.4g", t);
        return s.contains(".") && !s.contains("e") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    private double px(double v, double[] r, boolean log) {
        int plotW = WIDTH - LEFT - RIGHT;
        double f = log ? (Math.log10(v) - Math.log10(r[0])) / (Math.log10(r[1]) - Math.log10(r[0]))
                : (v - r[0]) / (r[1] - r[0]);
        return LEFT + f * plotW;
    }

    private double py(double v, double[] r, boolean log) {
        int plotH = HEIGHT - TOP - BOTTOM;
        double f = log ? (Math.log10(v) - Math.log10(r[0])) / (Math.log10(r[1]) - Math.log10(r[0]))
                : (v - r[0]) / (r[1] - r[0]);
        return TOP + plotH - f * plotH;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
