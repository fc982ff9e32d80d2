package org.coft.clip.exec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BaseReduceOp;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.RandomOp;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.impl.layers.ExternalErrorsFunction;
import org.nd4j.linalg.api.ops.impl.broadcast.BiasAddGrad;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.TimesOneMinus;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELU;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELUDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.shape.Permute;
import org.nd4j.linalg.api.ops.impl.shape.Rank;
import org.nd4j.linalg.api.ops.impl.shape.Reshape;
import org.nd4j.linalg.api.ops.impl.shape.Shape;
import org.nd4j.linalg.api.ops.impl.shape.SizeAt;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.GradientBackwardsMarker;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs a SameDiff graph for one fixed set of placeholder shapes as a flat list of op calls over preallocated arrays.
 *
 * <p>SameDiff's session decides, for every op of every call, which ops are ready, builds each op's context, asks its
 * memory manager for output arrays and tracks when they can be released: about 0.1–0.25 ms of bookkeeping per op and
 * native garbage that only a collection frees. A plan does that work once. {@link #plan} walks the graph in its
 * (topological) insertion order from the placeholders to the requested outputs and
 * <ul>
 *   <li>executes, once, every op whose value cannot change between calls: the shape family ({@code shape_of},
 *       {@code size_at}, {@code rank}) and anything computed from constants and such values only;</li>
 *   <li>turns {@code identity} and contiguous {@code reshape} into views of their input (no op, no copy);</li>
 *   <li>gives every other op a native context holding its input and output arrays, the outputs carved from a pool of
 *       buffers that are reused as soon as the last op reading a value has run (liveness in op order), so the memory
 *       of a call is about the live set at its widest, allocated once.</li>
 * </ul>
 * {@link #run} then copies the placeholders into their arrays and executes the contexts in order: no allocation,
 * no graph traversal. Trainable variables are read from the graph's own arrays, so updates written into them between
 * calls are seen by the next call (replacing a variable's array object is not: plan again after that).
 *
 * <p>The arrays {@link #run} returns belong to the plan and are overwritten by the next call: copy what must outlive
 * it. Graphs with control flow, random ops or data-dependent output shapes are refused at planning time with the
 * op's name; use SameDiff's own execution for those. Not thread-safe: one caller at a time.
 */
public final class StaticExecutor implements AutoCloseable {
    private final List<String> placeholders;
    private final Map<String, INDArray> placeholderArrays;
    private final Map<String, INDArray> outputs;
    private final Step[] steps;
    private final long poolBytes;
    private final long requestedBytes;
    private final int foldedOps;
    private final int viewOps;
    private final int kernelOps;
    private final List<OpContext> contexts;
    private boolean closed;

    /** One op call: the op object (its arguments set once) and its context with fixed input and output arrays. */
    private record Step(DifferentialFunction op, OpContext context) {
        void exec() {
            if (op instanceof CustomOp c) {
                Nd4j.exec(c, context);
            } else {
                Nd4j.exec((Op) op, context);
            }
        }
    }

    private StaticExecutor(List<String> placeholders, Map<String, INDArray> placeholderArrays,
                           Map<String, INDArray> outputs, Step[] steps, long poolBytes, long requestedBytes,
                           int foldedOps, int viewOps, int kernelOps, List<OpContext> contexts) {
        this.placeholders = List.copyOf(placeholders);
        this.placeholderArrays = placeholderArrays;
        this.outputs = outputs;
        this.steps = steps;
        this.poolBytes = poolBytes;
        this.requestedBytes = requestedBytes;
        this.foldedOps = foldedOps;
        this.viewOps = viewOps;
        this.kernelOps = kernelOps;
        this.contexts = contexts;
    }

    /**
     * Plans (and runs once) the ops of {@code sd} needed for {@code outputs} with placeholders of the shapes (and
     * data types) of {@code placeholderValues}.
     *
     * @throws IllegalArgumentException naming a requested output or placeholder that the graph lacks, or a placeholder
     *                                  the outputs need but that was not given
     * @throws UnsupportedOperationException naming an op this executor cannot run (control flow, random)
     */
    public static StaticExecutor plan(SameDiff sd, Map<String, INDArray> placeholderValues, Collection<String> outputs) {
        return plan(sd, placeholderValues, outputs, KERNELS);
    }

    /**
     * As {@link #plan(SameDiff, Map, Collection)}; {@code kernels} chooses whether the plan's own cheaper kernels
     * replace quick GELU's derivative, wide bias gradients and a patch embedding's weight gradient (exact formulas,
     * float rounding apart; without them a plan is bit-identical to SameDiff's execution).
     */
    public static StaticExecutor plan(SameDiff sd, Map<String, INDArray> placeholderValues, Collection<String> outputs,
                                      boolean kernels) {
        return plan(sd, placeholderValues, outputs, kernels, kernels && sigmoidByTanh());
    }

    /**
     * As {@link #plan(SameDiff, Map, Collection, boolean)}, choosing whether quick GELU's sigmoid is computed through
     * {@code tanh} (see {@link #sigmoidByTanh()}); for tests, which run the generic build.
     */
    static StaticExecutor plan(SameDiff sd, Map<String, INDArray> placeholderValues, Collection<String> outputs,
                               boolean kernels, boolean tanhSigmoid) {
        return new Planner(sd, placeholderValues, outputs, kernels, kernels && tanhSigmoid).build();
    }

    /**
     * Whether plans compute quick GELU's sigmoid as σ(z) = ½ + ½·tanh(z / 2) through libnd4j's {@code tanh} custom
     * op: on by default where that op has its oneDNN kernel (ND4J's {@code -onednn} builds, helpers allowed), which
     * is vectorised — ≈ 0.5 ms for 819,200 floats at one thread, against 3.0 ms for libnd4j's scalar {@code sigmoid}
     * (measured, docs/benchmarks.md); the two agree to one float ulp. {@code -Dcoft.exec.tanhSigmoid=false} turns it
     * off, {@code =true} forces it (the generic build's {@code tanh} is scalar too, so it gains nothing there).
     */
    public static boolean sigmoidByTanh() {
        Boolean on = tanhSigmoidChoice;
        if (on == null) {
            on = decideTanhSigmoid();       // a bad property value is refused on every call, not cached
            tanhSigmoidChoice = on;
        }
        return on;
    }

    private static volatile Boolean tanhSigmoidChoice;

    /** The choice behind {@link #sigmoidByTanh()}, made afresh from the property and the loaded build. */
    static boolean decideTanhSigmoid() {
        String v = System.getProperty("coft.exec.tanhSigmoid", "auto").trim();
        switch (v) {
            case "true":
                return true;
            case "false":
                return false;
            case "auto":
                break;
            default:
                throw new IllegalArgumentException("-Dcoft.exec.tanhSigmoid=" + v
                        + ": expected auto, true or false");
        }
        if (!Nd4j.getEnvironment().helpersAllowed()) {
            return false;
        }
        try {
            // the backend's native ops (nd4j-native, a runtime dependency: reached by reflection)
            Nd4j.getExecutioner();
            Class<?> holder = Class.forName("org.nd4j.nativeblas.NativeOpsHolder");
            Object ops = holder.getMethod("getDeviceNativeOps").invoke(holder.getMethod("getInstance").invoke(null));
            Object info = ops.getClass().getMethod("buildInfo").invoke(ops);
            return info != null && info.toString().contains("HAVE_ONEDNN");
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    /**
     * Executes the plan with new placeholder values (same shapes and types as planned).
     *
     * @return the requested outputs by name — the plan's own arrays, valid until the next call
     * @throws IllegalArgumentException naming a missing placeholder or one whose shape differs from the plan's
     */
    public Map<String, INDArray> run(Map<String, INDArray> placeholderValues) {
        if (closed) {
            throw new IllegalStateException("this plan was closed");
        }
        for (String p : placeholders) {
            INDArray v = placeholderValues.get(p);
            if (v == null) {
                throw new IllegalArgumentException("no value for placeholder '" + p + "'");
            }
            INDArray dst = placeholderArrays.get(p);
            if (!Arrays.equals(v.shape(), dst.shape())) {
                throw new IllegalArgumentException("placeholder '" + p + "' has shape " + Arrays.toString(v.shape())
                        + " but this plan was made for " + Arrays.toString(dst.shape()));
            }
            dst.assign(v);
        }
        for (Step s : steps) {
            s.exec();
        }
        return outputs;
    }

    /**
     * Executes the plan once and returns the wall time per op class in ms (where a call's time goes), the ops
     * timed one by one, in descending order of time.
     */
    public Map<String, double[]> profile(Map<String, INDArray> placeholderValues) {
        return profile(placeholderValues, false);
    }

    /**
     * As {@link #profile(Map)}; with {@code byShape} the key also holds the shapes of the op's inputs
     * ({@code matmul [3200, 64] [64, 64]}).
     */
    public Map<String, double[]> profile(Map<String, INDArray> placeholderValues, boolean byShape) {
        run(placeholderValues);
        return profileAgain(byShape);
    }

    /**
     * As {@link #profile(Map, boolean)} on the inputs of the last {@link #run} (the plan keeps its own copies of
     * them): for timing a call made elsewhere without holding on to its input arrays.
     */
    public Map<String, double[]> profileAgain(boolean byShape) {
        if (closed) {
            throw new IllegalStateException("this plan was closed");
        }
        Map<String, double[]> byOp = new HashMap<>();
        for (Step s : steps) {
            long t0 = System.nanoTime();
            s.exec();
            double ms = (System.nanoTime() - t0) / 1e6;
            String key = s.op().opName();
            if (byShape) {
                StringBuilder sb = new StringBuilder(key);
                for (INDArray in : s.context().getInputArrays()) {
                    sb.append(' ').append(Arrays.toString(in.shape()));
                }
                key = sb.toString();
            }
            double[] acc = byOp.computeIfAbsent(key, k -> new double[2]);
            acc[0] += ms;
            acc[1] += 1;
        }
        Map<String, double[]> sorted = new LinkedHashMap<>();
        byOp.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** Op calls per {@link #run}. */
    public int opCalls() {
        return steps.length;
    }

    /** Ops executed once at planning time (shape arithmetic and constant folding). */
    public int foldedOps() {
        return foldedOps;
    }

    /** Identity and reshape ops turned into views. */
    public int viewOps() {
        return viewOps;
    }

    /**
     * Graph ops run by the plan's own cheaper kernels ({@code quick GELU} and its derivative, wide bias gradients, a
     * patch embedding's weight gradient).
     */
    public int kernelOps() {
        return kernelOps;
    }

    /** Bytes of the plan's reusable intermediate buffers. */
    public long poolBytes() {
        return poolBytes;
    }

    /** Bytes of all intermediate arrays of one call, which the pool's reuse folds into {@link #poolBytes()}. */
    public long intermediateBytes() {
        return requestedBytes;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (OpContext c : contexts) {
                try {
                    c.close();
                } catch (Exception e) {
                    // a context that cannot be closed leaks a few bytes; nothing to recover
                }
            }
        }
    }

    /**
     * Whether plans replace slow libnd4j kernels by cheaper exact equivalents by default (on unless
     * {@code -Dcoft.exec.kernels=false}): quick GELU's derivative from the forward's saved sigmoid, a wide bias
     * gradient as a product with ones, and a patch embedding's {@code conv2d_bp} (kernel = stride, input gradient
     * unused) as a product of the input's patches with the output gradient.
     */
    static final boolean KERNELS = !"false".equals(System.getProperty("coft.exec.kernels"));
    /** Quick GELU's slope, as libnd4j's {@code gelu} uses it: x·σ(1.702 x). */
    private static final double QUICK_GELU = 1.702;
    private static final String SIGMOID_SUFFIX = "/coft-quick-gelu-sigmoid";
    /**
     * Narrowest bias gradient done as a product with ones: libnd4j's {@code biasadd_bp} also copies the incoming
     * gradient, and at [3200, 64] takes 0.22 / 0.27 ms at one / two threads against 0.09 / 0.21 ms for the product;
     * at 32 columns the two are even (measured 2026-12-07, docs/benchmarks.md).
     */
    static final long BIAS_PRODUCT_MIN_COLUMNS = 64;

    /** The planning pass: decides, per op, fold / view / call, and assigns arrays by liveness. */
    private static final class Planner {
        private final SameDiff sd;
        private final Map<String, INDArray> given;
        private final List<String> requested;
        /** Current value of every variable the plan knows. */
        private final Map<String, INDArray> value = new HashMap<>();
        /** Values that never change between calls (constants and what is computed from them and from shapes). */
        private final Set<String> fixed = new HashSet<>();
        /** Pool slot holding each intermediate value (views share their source's slot). */
        private final Map<String, Slot> slotOf = new HashMap<>();
        private final Map<DataType, TreeMap<Long, Deque<Slot>>> free = new EnumMap<>(DataType.class);
        private final List<OpContext> contexts = new ArrayList<>();
        private long poolBytes;
        private long requestedBytes;
        private int kernels;
        private final boolean useKernels;
        private final boolean tanhSigmoid;

        Planner(SameDiff sd, Map<String, INDArray> given, Collection<String> outputs, boolean kernels,
                boolean tanhSigmoid) {
            this.useKernels = kernels;
            this.tanhSigmoid = tanhSigmoid;
            this.sd = sd;
            this.given = given;
            this.requested = List.copyOf(outputs);
        }

        private static final class Slot {
            final INDArray buffer;
            final long capacity;
            int users;

            Slot(INDArray buffer, long capacity) {
                this.buffer = buffer;
                this.capacity = capacity;
            }
        }

        StaticExecutor build() {
            Map<String, SameDiffOp> ops = sd.getOps();
            Map<String, Variable> vars = sd.getVariables();
            for (String o : requested) {
                if (!vars.containsKey(o)) {
                    throw new IllegalArgumentException("the graph has no variable '" + o + "' to output");
                }
            }
            // ops needed for the outputs, walking back from them
            Set<String> needed = new HashSet<>();
            Deque<String> todo = new ArrayDeque<>(requested);
            Set<String> seenVars = new HashSet<>();
            while (!todo.isEmpty()) {
                String v = todo.pop();
                if (!seenVars.add(v)) {
                    continue;
                }
                String op = vars.get(v).getOutputOfOp();
                if (op != null && needed.add(op)) {
                    SameDiffOp o = ops.get(op);
                    if (o.getInputsToOp() != null) {
                        todo.addAll(o.getInputsToOp());
                    }
                    if (o.getControlDeps() != null) {
                        todo.addAll(o.getControlDeps());
                    }
                }
            }
            List<SameDiffOp> order = new ArrayList<>();
            for (SameDiffOp o : ops.values()) {
                if (needed.contains(o.getName())) {
                    order.add(o);
                }
            }
            // inputs: variables, constants, placeholders
            List<String> phs = new ArrayList<>();
            Map<String, INDArray> phArrays = new LinkedHashMap<>();
            for (String v : seenVars) {
                SDVariable var = sd.getVariable(v);
                VariableType t = var.getVariableType();
                if (t == VariableType.PLACEHOLDER) {
                    INDArray g = given.get(v);
                    if (g == null) {
                        throw new IllegalArgumentException("the outputs need placeholder '" + v
                                + "' but no value was given");
                    }
                    INDArray own = Nd4j.create(g.dataType(), g.shape()).assign(g);
                    phs.add(v);
                    phArrays.put(v, own);
                    value.put(v, own);
                } else if (t == VariableType.CONSTANT) {
                    value.put(v, var.getArr());
                    fixed.add(v);
                } else if (t == VariableType.VARIABLE) {
                    value.put(v, var.getArr());
                }
            }
            // last op (index in order) reading each value; requested outputs live to the end
            Map<String, Integer> lastUse = new HashMap<>();
            for (int i = 0; i < order.size(); i++) {
                List<String> in = order.get(i).getInputsToOp();
                if (in != null) {
                    for (String v : in) {
                        lastUse.put(v, i);
                    }
                }
            }
            for (String o : requested) {
                lastUse.put(o, Integer.MAX_VALUE);
            }
            // quick GELU's derivative from the forward's saved sigmoid (KERNELS): the last derivative op per input
            Map<String, Integer> geluDerivative = new HashMap<>();
            if (useKernels) {
                for (int i = 0; i < order.size(); i++) {
                    SameDiffOp o = order.get(i);
                    if (o.getOp() instanceof GELUDerivative && o.getInputsToOp() != null
                            && o.getInputsToOp().size() == 1) {
                        geluDerivative.put(o.getInputsToOp().get(0), i);
                    }
                }
            }
            Map<String, INDArray> savedSigmoid = new HashMap<>();
            List<Step> steps = new ArrayList<>();
            int folded = 0;
            int views = 0;
            for (int i = 0; i < order.size(); i++) {
                SameDiffOp sdo = order.get(i);
                DifferentialFunction df = sdo.getOp();
                String name = sdo.getName();
                List<String> inNames = sdo.getInputsToOp() == null ? List.of() : sdo.getInputsToOp();
                List<String> outNames = sdo.getOutputsOfOp();
                if (df instanceof RandomOp || isControlFlow(df) || df instanceof ExternalErrorsFunction) {
                    throw new UnsupportedOperationException("op '" + name + "' (" + df.opName()
                            + ") cannot run in a static plan: control flow, random ops, external errors and "
                            + "data-dependent shapes need SameDiff's session");
                }
                INDArray[] args = new INDArray[inNames.size()];
                for (int k = 0; k < args.length; k++) {
                    args[k] = value.get(inNames.get(k));
                    if (args[k] == null) {
                        throw new IllegalStateException("op '" + name + "': input '" + inNames.get(k)
                                + "' has no value (the graph's op order is not topological)");
                    }
                }
                boolean allFixed = df instanceof Shape || df instanceof SizeAt || df instanceof Rank
                        || fixed.containsAll(inNames);
                if (df instanceof Identity && args.length == 1) {
                    alias(outNames.get(0), inNames.get(0), args[0]);
                    views++;
                } else if (df instanceof Reshape r && isViewReshape(r, args)) {
                    INDArray out = args[0].reshape('c', shapeOf(r, args));
                    alias(outNames.get(0), inNames.get(0), out);
                    views++;
                } else if (!allFixed && df instanceof GELU && args.length == 1 && outNames.size() == 1
                        && geluDerivative.getOrDefault(inNames.get(0), -1) > i && args[0].dataType().isFPType()) {
                    // y = x·σ(1.702 x), keeping s = σ(1.702 x) for the derivative s + 1.702·x·s·(1 − s): libnd4j's
                    // own derivative spends two pow calls per element (≈ 7× the three ops below, measured)
                    INDArray x = args[0];
                    String sName = inNames.get(0) + SIGMOID_SUFFIX;
                    INDArray sg = allocate(sName, x.dataType(), x.shape());
                    value.put(sName, sg);
                    lastUse.put(sName, geluDerivative.get(inNames.get(0)));
                    savedSigmoid.put(inNames.get(0), sg);
                    INDArray y = output(outNames.get(0), x.shape());
                    steps.addAll(sigmoid(x, QUICK_GELU, sg));
                    steps.add(call(new MulOp(x, sg, y), new INDArray[] {x, sg}, y));
                    kernels++;
                } else if (useKernels && tanhSigmoid && !allFixed && df instanceof GELU && args.length == 1
                        && outNames.size() == 1 && args[0].dataType().isFPType()) {
                    // quick GELU without a derivative (a forward): y = x·σ(1.702 x) with the vectorised sigmoid,
                    // computed in y itself; libnd4j's gelu evaluates a scalar exp per element (2.2–3.7 ms against
                    // ≈ 1 ms for these four calls at [64, 50, 256], one thread, measured)
                    INDArray x = args[0];
                    INDArray y = output(outNames.get(0), x.shape());
                    steps.addAll(sigmoid(x, QUICK_GELU, y));
                    steps.add(call(new MulOp(x, y, y), new INDArray[] {x, y}, y));
                    kernels++;
                } else if (df instanceof GELUDerivative && args.length == 1 && outNames.size() == 1
                        && savedSigmoid.containsKey(inNames.get(0))) {
                    INDArray x = args[0];
                    INDArray sg = savedSigmoid.get(inNames.get(0));
                    INDArray d = output(outNames.get(0), x.shape());
                    // d = s(1 − s); d = d·x; d = 1.702·d + s
                    steps.add(call(new TimesOneMinus(sg, d), new INDArray[] {sg}, d));
                    steps.add(call(new MulOp(d, x, d), new INDArray[] {d, x}, d));
                    steps.add(call(new Axpy(d, sg, d, QUICK_GELU), new INDArray[] {d, sg}, d));
                    if (geluDerivative.get(inNames.get(0)) == i) {
                        release(inNames.get(0) + SIGMOID_SUFFIX);
                    }
                    kernels++;
                } else if (useKernels && !allFixed && df instanceof BiasAddGrad bg && biasGradByProduct(bg, args)) {
                    // the bias gradient as a product with a row of ones (libnd4j sums the columns of a C-order
                    // gradient 10× slower at 256 columns); the input gradient is the incoming one itself (a view)
                    INDArray eps = args[2];
                    alias(outNames.get(0), inNames.get(2), eps);
                    INDArray gb = output(outNames.get(1), args[1].shape());
                    steps.add(columnSums(eps, gb));
                    kernels++;
                } else if (useKernels && !allFixed && df instanceof DynamicCustomOp pc
                        && patchConvGradient(pc, args, outNames, lastUse)) {
                    // a patch embedding's weight gradient (kernel = stride, no padding; its input gradient unused):
                    // the input's patches as rows times the output gradient, as PyTorch computes it; libnd4j's
                    // conv2d_bp also builds the input gradient through col2im (1.4–10 ms at micro-CLIP size, measured)
                    INDArray x = args[0];
                    INDArray eps = args[args.length - 1];
                    long[] ia = pc.iArgs();
                    long kh = ia[0];
                    long kw = ia[1];
                    long b = x.size(0);
                    long c = x.size(1);
                    long ho = x.size(2) / kh;
                    long wo = x.size(3) / kw;
                    long oc = eps.size(1);
                    DataType dt = x.dataType();
                    String pName = name + "/coft-patches";
                    String gName = name + "/coft-patch-grad";
                    INDArray patches = allocate(pName, dt, new long[] {b, ho, wo, kh, kw, c});
                    INDArray g = allocate(gName, dt, new long[] {b, ho, wo, oc});
                    steps.add(permute(x.reshape('c', b, c, ho, kh, wo, kw), patches, 0, 2, 4, 3, 5, 1));
                    steps.add(permute(eps, g, 0, 2, 3, 1));
                    INDArray rows = patches.reshape('c', b * ho * wo, kh * kw * c);
                    INDArray g2 = g.reshape('c', b * ho * wo, oc);
                    INDArray gw = output(outNames.get(1), args[1].shape());
                    steps.add(product(rows, g2, gw.reshape('c', kh * kw * c, oc), true));
                    if (outNames.size() == 3) {
                        steps.add(columnSums(g2, output(outNames.get(2), args[2].shape())));
                    }
                    release(pName);
                    release(gName);
                    kernels++;
                } else if (df instanceof GradientBackwardsMarker) {
                    INDArray one = Nd4j.scalar(DataType.FLOAT, 1.0f);
                    value.put(outNames.get(0), one);
                    fixed.add(outNames.get(0));
                    folded++;
                } else {
                    OpContext oc = parameterize(df, name, args, outNames, allFixed);
                    Step step = new Step(df, oc);
                    try {
                        step.exec();
                    } catch (RuntimeException e) {
                        throw new IllegalStateException("op '" + name + "' (" + df.opName() + ") failed while planning: "
                                + e.getMessage(), e);
                    }
                    if (allFixed) {
                        for (String o : outNames) {
                            fixed.add(o);
                        }
                        folded++;
                    } else {
                        steps.add(step);
                    }
                }
                // release what this op read for the last time (views share their source's slot)
                for (String v : inNames) {
                    Integer last = lastUse.get(v);
                    if (last != null && last == i) {
                        release(v);
                    }
                }
                for (String o : outNames) {
                    if (!lastUse.containsKey(o)) {
                        release(o);
                    }
                }
            }
            Map<String, INDArray> outs = new LinkedHashMap<>();
            for (String o : requested) {
                INDArray v = value.get(o);
                if (v == null) {
                    throw new IllegalStateException("output '" + o + "' was not computed");
                }
                outs.put(o, v);
            }
            return new StaticExecutor(phs, phArrays, outs, steps.toArray(new Step[0]), poolBytes, requestedBytes,
                    folded, views, kernels, contexts);
        }

        /** Ops whose output shape depends on input values, which a fixed plan cannot follow. */
        private static final Set<String> DATA_DEPENDENT_SHAPES = Set.of("unique", "unique_with_counts", "listdiff",
                "non_max_suppression", "non_max_suppression_v3", "non_max_suppression_overlaps", "dynamic_partition",
                "boolean_mask", "where_np");

        private static boolean isControlFlow(DifferentialFunction df) {
            return df instanceof org.nd4j.linalg.api.ops.impl.controlflow.compat.BaseCompatOp
                    || df instanceof org.nd4j.linalg.api.ops.impl.shape.tensorops.BaseTensorOp
                    || df.getClass().getSimpleName().equals("Invoke")
                    || DATA_DEPENDENT_SHAPES.contains(df.opName())
                    || df instanceof org.nd4j.linalg.api.ops.impl.controlflow.Where && df.args().length == 1;
        }

        private void alias(String out, String in, INDArray view) {
            value.put(out, view);
            Slot s = slotOf.get(in);
            if (s != null) {
                s.users++;
                slotOf.put(out, s);
            }
            if (fixed.contains(in)) {
                fixed.add(out);
            }
        }

        /** A reshape in C order of a contiguous C-ordered array, to a shape known at planning time. */
        private static boolean isViewReshape(Reshape r, INDArray[] args) {
            if (args.length == 0 || args[0].isEmpty() || args[0].ordering() != 'c' || !isContiguous(args[0])) {
                return false;
            }
            long[] ia = r.iArgs();
            long order = ia.length == 0 ? 'c' : ia[0];
            // the order is the first integer argument ('c' or 'f', negated in some exports); with the shape given
            // as an array input, any other positive first argument means the default, C order
            boolean cOrder = order == 'c' || order == -'c' || order > 0 && order != 'f' && args.length > 1;
            long[] shape = shapeOf(r, args);
            return cOrder && shape != null && lengthOf(shape) == args[0].length();
        }

        private static boolean isContiguous(INDArray a) {
            return a.ordering() == 'c' && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a)
                    || a.rank() <= 1 && a.length() <= 1;
        }

        /** The target shape of a reshape, with a −1 resolved, or null when it cannot be read statically. */
        private static long[] shapeOf(Reshape r, INDArray[] args) {
            long[] shape;
            if (args.length > 1) {
                shape = args[1].toLongVector();
            } else {
                long[] ia = r.iArgs();
                if (ia.length == 0) {
                    return null;
                }
                int from = ia[0] == 'c' || ia[0] == -'c' || ia[0] == 'f' || ia[0] == -'f' ? 1 : 0;
                shape = Arrays.copyOfRange(ia, from, ia.length);
            }
            long known = 1;
            int unknown = -1;
            for (int k = 0; k < shape.length; k++) {
                if (shape[k] == -1) {
                    if (unknown >= 0) {
                        return null;
                    }
                    unknown = k;
                } else {
                    known *= shape[k];
                }
            }
            if (unknown >= 0) {
                shape = shape.clone();
                shape[unknown] = known == 0 ? 0 : args[0].length() / known;
            }
            return shape;
        }

        private static long lengthOf(long[] shape) {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }

        private OpContext parameterize(DifferentialFunction df, String name, INDArray[] args, List<String> outNames,
                                       boolean permanent) {
            OpContext oc = Nd4j.getExecutioner().buildContext();
            contexts.add(oc);
            List<LongShapeDescriptor> shapes;
            if (df instanceof CustomOp) {
                DynamicCustomOp c = (DynamicCustomOp) df;
                oc.setArgs(args, c.iArgs(), c.dArgs(), c.tArgs(), c.bArgs());
                if (dilated2d(c)) {
                    // ND4J's oneDNN helpers fail on dilated 2-D convolutions and compute dilated pooling wrongly
                    // (OpNnTest under the -onednn-avx2 build); libnd4j's own kernels are right
                    oc.allowHelpers(false);
                }
                shapes = c.calculateOutputShape(oc);
            } else if (df instanceof Op op) {
                boolean axisArg = false;
                if (op instanceof ReduceOp ro && ro.getOpType() != Op.Type.REDUCE3 && args.length == 2) {
                    if (args[1].isEmpty()) {
                        throw new UnsupportedOperationException("op '" + name + "': a reduction over an empty axis "
                                + "list is not supported in a static plan");
                    }
                    int[] axis = org.nd4j.linalg.api.shape.Shape.normalizeAxis(args[0].rank(), args[1].toIntVector());
                    df.setDimensions(axis);
                    ((BaseReduceOp) op).setEmptyReduce(false);
                    axisArg = true;
                } else if (op instanceof ScalarOp so && args.length == 2) {
                    so.setScalar(args[1]);
                }
                if (args.length > 0) {
                    oc.setInputArray(0, args[0]);
                    if (args.length == 2 && !axisArg) {
                        oc.setInputArray(1, args[1]);
                    }
                }
                shapes = df.calculateOutputShape(oc);
            } else {
                throw new UnsupportedOperationException("op '" + name + "' (" + df.getClass().getName()
                        + ") is neither a custom nor a legacy op");
            }
            if (shapes == null || shapes.size() != outNames.size()) {
                throw new IllegalStateException("op '" + name + "' (" + df.opName() + "): " + (shapes == null ? 0
                        : shapes.size()) + " output shapes for " + outNames.size() + " outputs");
            }
            for (int k = 0; k < shapes.size(); k++) {
                LongShapeDescriptor d = shapes.get(k);
                DataType dt = sd.getVariable(outNames.get(k)).dataType();
                INDArray out = d.isEmpty() ? Nd4j.create(d.asDataType(dt), false)
                        : permanent ? Nd4j.create(dt, d.getShape()) : allocate(outNames.get(k), dt, d.getShape());
                value.put(outNames.get(k), out);
                oc.setOutputArray(k, out);
            }
            return oc;
        }

        /** A step running {@code op} on these arrays (its native context owns nothing; the arrays are the plan's). */
        private Step call(DifferentialFunction op, INDArray[] in, INDArray out) {
            OpContext oc = Nd4j.getExecutioner().buildContext();
            contexts.add(oc);
            oc.setInputArrays(in);
            oc.setOutputArrays(out);
            return new Step(op, oc);
        }

        /** A pool array of the graph variable {@code var}'s type and this shape, as that variable's value. */
        private INDArray output(String var, long[] shape) {
            INDArray a = allocate(var, sd.getVariable(var).dataType(), shape);
            value.put(var, a);
            return a;
        }

        /** {@code out = a·b} (or {@code aᵀ·b}) as a 2-D {@code matmul} step. */
        private Step product(INDArray a, INDArray b, INDArray out, boolean transposeA) {
            Step mm = call(new Mmul(), new INDArray[] {a, b}, out);
            mm.context().setIArguments(transposeA ? 1 : 0, 0, 0);
            mm.context().setTArguments(1.0, 0.0);
            return mm;
        }

        /**
         * The column sums of a 2-D array {@code g} into {@code out} (its length the column count) as a product with a
         * row of ones, which libnd4j runs ≈ 10× faster than its column sum at 256 columns (measured).
         */
        private Step columnSums(INDArray g, INDArray out) {
            return product(Nd4j.ones(g.dataType(), 1, g.size(0)), g, out.reshape('c', 1, out.length()), false);
        }

        /**
         * Steps computing {@code out = σ(scale·x)}: libnd4j's {@code sigmoid}, or with {@link #tanhSigmoid}
         * ½ + ½·tanh(scale/2 · x) through the {@code tanh} custom op (oneDNN's vectorised kernel), in place in
         * {@code out}.
         */
        private List<Step> sigmoid(INDArray x, double scale, INDArray out) {
            List<Step> s = new ArrayList<>();
            if (tanhSigmoid) {
                s.add(call(new ScalarMultiplication(x, null, out, scale / 2), new INDArray[] {x}, out));
                s.add(call(DynamicCustomOp.builder("tanh").build(), new INDArray[] {out}, out));
                s.add(call(new ScalarMultiplication(out, null, out, 0.5), new INDArray[] {out}, out));
                s.add(call(new ScalarAdd(out, null, out, 0.5), new INDArray[] {out}, out));
            } else {
                s.add(call(new ScalarMultiplication(x, null, out, scale), new INDArray[] {x}, out));
                s.add(call(new Sigmoid(out, out), new INDArray[] {out}, out));
            }
            return s;
        }

        /** A {@code permute} copy of {@code in} into {@code out}. */
        private Step permute(INDArray in, INDArray out, int... dims) {
            Step p = call(new Permute(), new INDArray[] {in}, out);
            p.context().setIArguments(Arrays.stream(dims).asLongStream().toArray());
            return p;
        }

        /**
         * A channels-last bias gradient of a contiguous 2-D gradient at least {@value #BIAS_PRODUCT_MIN_COLUMNS}
         * columns wide, where the product with ones beats libnd4j's column sum (measured, docs/benchmarks.md).
         */
        private static boolean biasGradByProduct(BiasAddGrad bg, INDArray[] args) {
            boolean[] b = bg.bArgs();
            return args.length == 3 && (b == null || b.length == 0 || !b[0]) && args[2].rank() == 2
                    && isContiguous(args[2]) && args[1].rank() == 1 && args[1].length() == args[2].size(1)
                    && args[2].size(1) >= BIAS_PRODUCT_MIN_COLUMNS && args[2].dataType().isFPType()
                    && args[1].dataType() == args[2].dataType();
        }

        /**
         * A {@code conv2d_bp} of a patch embedding whose input gradient nothing reads: kernel = stride, no padding,
         * dilation 1, NCHW input, weights [kH, kW, iC, oC], float, the input's height and width multiples of the kernel.
         */
        private static boolean patchConvGradient(DynamicCustomOp c, INDArray[] args, List<String> outNames,
                                                 Map<String, Integer> lastUse) {
            if (!"conv2d_bp".equals(c.opName()) || args.length < 3 || args.length > 4
                    || outNames.size() != args.length - 1 || lastUse.containsKey(outNames.get(0))) {
                return false;
            }
            long[] ia = c.iArgs();
            if (ia.length < 9 || ia[0] != ia[2] || ia[1] != ia[3] || ia[4] != 0 || ia[5] != 0 || ia[6] != 1
                    || ia[7] != 1 || ia[8] != 0 || ia.length > 9 && ia[9] != 0 || ia.length > 10 && ia[10] != 0) {
                return false;
            }
            INDArray x = args[0];
            INDArray w = args[1];
            INDArray eps = args[args.length - 1];
            return x.rank() == 4 && w.rank() == 4 && eps.rank() == 4 && x.dataType().isFPType()
                    && w.dataType() == x.dataType() && eps.dataType() == x.dataType() && isContiguous(x)
                    && w.size(0) == ia[0] && w.size(1) == ia[1] && w.size(2) == x.size(1)
                    && x.size(2) % ia[0] == 0 && x.size(3) % ia[1] == 0 && eps.size(0) == x.size(0)
                    && eps.size(1) == w.size(3) && eps.size(2) == x.size(2) / ia[0]
                    && eps.size(3) == x.size(3) / ia[1] && (args.length == 3 || args[2].length() == w.size(3));
        }

        private static final Set<String> DILATED_2D = Set.of("conv2d", "conv2d_bp", "maxpool2d", "maxpool2d_bp",
                "avgpool2d", "avgpool2d_bp", "pnormpool2d", "pnormpool2d_bp", "deconv2d", "deconv2d_bp",
                "depthwise_conv2d", "depthwise_conv2d_bp");

        /** A 2-D convolution or pooling with a dilation other than 1 (iArgs 6 and 7 of these ops). */
        private static boolean dilated2d(DynamicCustomOp c) {
            long[] ia = c.iArgs();
            return DILATED_2D.contains(c.opName()) && ia.length > 7 && (ia[6] != 1 || ia[7] != 1);
        }

        private INDArray allocate(String var, DataType dt, long[] shape) {
            long len = Math.max(1, lengthOf(shape));
            requestedBytes += len * dt.width();
            TreeMap<Long, Deque<Slot>> byCap = free.computeIfAbsent(dt, k -> new TreeMap<>());
            Map.Entry<Long, Deque<Slot>> e = byCap.ceilingEntry(len);
            Slot slot;
            if (e != null && e.getKey() <= 2 * len) {
                slot = e.getValue().pop();
                if (e.getValue().isEmpty()) {
                    byCap.remove(e.getKey());
                }
            } else {
                slot = new Slot(Nd4j.create(dt, len), len);
                poolBytes += len * dt.width();
            }
            slot.users = 1;
            slotOf.put(var, slot);
            return Nd4j.create(slot.buffer.data(), shape, Nd4j.getStrides(shape, 'c'), 0, 'c', dt);
        }

        private void release(String var) {
            Slot s = slotOf.remove(var);
            if (s != null && --s.users == 0) {
                free.computeIfAbsent(s.buffer.dataType(), k -> new TreeMap<>())
                        .computeIfAbsent(s.capacity, k -> new ArrayDeque<>()).push(s);
            }
        }
    }
}
