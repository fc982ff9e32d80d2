/**
 * CoFT Phase II and CoFT+: {@code CollaborativeFilter} and {@code PhaseTwo.labels} (pure label filtering over the
 * Phase I scores), {@code FineTuneNetwork} (image tower + linear head), {@code PhaseTwoTrainer}, CoFT+'s momentum
 * contrast ({@code MomentumEncoder}, {@code KeyQueue}, {@code ContrastiveLoss}) and the output {@code Classifier}.
 */
package org.coft.dl4j.phase2;
