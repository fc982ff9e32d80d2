/**
 * Seed selection: the top-K most confident zero-shot pseudo labels per class ({@code SeedSelection}), as pure
 * functions over score arrays and stable example ids returning records ({@code SeedSet}, {@code Seed}).
 */
package org.coft.dl4j.seeds;
