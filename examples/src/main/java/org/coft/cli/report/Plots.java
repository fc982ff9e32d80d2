package org.coft.cli.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.statistics.HistogramType;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's plots, drawn with JFreeChart into PNG bytes (headless AWT). One method per kind of chart; the data
 * arrive as plain arrays and maps, so nothing here knows about run folders.
 */
final class Plots {
    static final int WIDTH = 900;
    static final int HEIGHT = 420;
    private static final Color[] PALETTE = {new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868),
        new Color(0xC44E52), new Color(0x8172B3), new Color(0x937860), new Color(0xDA8BC3), new Color(0x8C8C8C)};

    private Plots() {
    }

    /**
     * Bars: one group per category, one bar per series.
     *
     * @param series series name → one value per category
     */
    static byte[] bars(String title, String categoryAxis, String valueAxis, List<String> categories,
                       Map<String, double[]> series, Double upper) throws IOException {
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            for (int i = 0; i < categories.size(); i++) {
                d.addValue(e.getValue()[i], e.getKey(), categories.get(i));
            }
        }
        JFreeChart c = ChartFactory.createBarChart(title, categoryAxis, valueAxis, d, PlotOrientation.VERTICAL,
                series.size() > 1, false, false);
        CategoryPlot p = c.getCategoryPlot();
        BarRenderer r = (BarRenderer) p.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.02);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        if (categories.size() > 6) {
            p.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        }
        if (upper != null) {
            ((NumberAxis) p.getRangeAxis()).setRange(0, upper);
        }
        return png(c, WIDTH, HEIGHT);
    }

    /**
     * Overlaid histograms on [0, 1].
     *
     * @param series series name → values (NaN values are left out)
     */
    static byte[] histograms(String title, String valueAxis, Map<String, double[]> series, int bins)
            throws IOException {
        HistogramDataset d = new HistogramDataset();
        d.setType(HistogramType.FREQUENCY);
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            double[] v = java.util.Arrays.stream(e.getValue()).filter(x -> !Double.isNaN(x)).toArray();
            if (v.length > 0) {
                d.addSeries(e.getKey() + " (" + v.length + ")", v, bins, 0.0, 1.0);
            }
        }
        JFreeChart c = ChartFactory.createHistogram(title, valueAxis, "images", d, PlotOrientation.VERTICAL, true,
                false, false);
        XYPlot p = c.getXYPlot();
        p.setForegroundAlpha(0.6f);
        XYBarRenderer r = (XYBarRenderer) p.getRenderer();
        r.setBarPainter(new StandardXYBarPainter());
        r.setShadowVisible(false);
        for (int i = 0; i < d.getSeriesCount(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        p.getDomainAxis().setRange(0, 1);
        return png(c, WIDTH, HEIGHT);
    }

    /**
     * Lines: one per series of (x, y) points.
     *
     * @param series series name → {xs, ys}
     */
    static byte[] lines(String title, String xAxis, String yAxis, Map<String, double[][]> series) throws IOException {
        XYSeriesCollection d = new XYSeriesCollection();
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), false, true);
            for (int i = 0; i < e.getValue()[0].length; i++) {
                s.add(e.getValue()[0][i], e.getValue()[1][i]);
            }
            d.addSeries(s);
        }
        JFreeChart c = ChartFactory.createXYLineChart(title, xAxis, yAxis, d, PlotOrientation.VERTICAL, true, false,
                false);
        XYPlot p = c.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(1.6f));
        }
        p.setRenderer(r);
        ((NumberAxis) p.getRangeAxis()).setAutoRangeIncludesZero(false);
        return png(c, WIDTH, HEIGHT);
    }

    /**
     * A heat map of counts (rows: true class, columns: predicted class), each cell labelled with its count.
     */
    static byte[] confusion(String title, List<String> classes, int[][] counts) throws IOException {
        int n = classes.size();
        double[][] xyz = new double[3][n * n];
        int max = 1;
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                int k = t * n + p;
                xyz[0][k] = p;
                xyz[1][k] = t;
                xyz[2][k] = counts[t][p];
                max = Math.max(max, counts[t][p]);
            }
        }
        DefaultXYZDataset d = new DefaultXYZDataset();
        d.addSeries("counts", xyz);
        String[] names = classes.toArray(String[]::new);
        SymbolAxis x = new SymbolAxis("predicted", names);
        x.setVerticalTickLabels(n > 6);
        x.setGridBandsVisible(false);
        SymbolAxis y = new SymbolAxis("true class (evaluation labels)", names);
        y.setInverted(true);
        y.setGridBandsVisible(false);
        XYBlockRenderer r = new XYBlockRenderer();
        LookupPaintScale scale = new LookupPaintScale(0, max + 1, Color.WHITE);
        for (int i = 0; i <= 20; i++) {
            float f = i / 20f;
            scale.add(max * f, new Color(1f - 0.75f * f, 1f - 0.55f * f, 1f - 0.25f * f));
        }
        r.setPaintScale(scale);
        XYPlot plot = new XYPlot(d, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, n > 12 ? 9 : 12);
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                if (counts[t][p] > 0) {
                    XYTextAnnotation a = new XYTextAnnotation(Integer.toString(counts[t][p]), p, t);
                    a.setFont(font);
                    a.setPaint(counts[t][p] > max * 0.6 ? Color.WHITE : Color.BLACK);
                    plot.addAnnotation(a);
                }
            }
        }
        JFreeChart c = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        NumberAxis legendAxis = new NumberAxis("images");
        legendAxis.setRange(0, max);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        c.addSubtitle(legend);
        c.setBackgroundPaint(Color.WHITE);
        return png(c, WIDTH, Math.max(HEIGHT, 120 + 36 * n));
    }

    private static byte[] png(JFreeChart c, int w, int h) throws IOException {
        c.setBackgroundPaint(Color.WHITE);
        if (c.getPlot() instanceof CategoryPlot p) {
            p.setBackgroundPaint(new Color(0xF7F7F7));
            p.setRangeGridlinePaint(new Color(0xBBBBBB));
        } else if (c.getPlot() instanceof XYPlot p && !(p.getRenderer() instanceof XYBlockRenderer)) {
            p.setBackgroundPaint(new Color(0xF7F7F7));
            p.setRangeGridlinePaint(new Color(0xBBBBBB));
            p.setDomainGridlinePaint(new Color(0xBBBBBB));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(out, c, w, h);
        return out.toByteArray();
    }
}
