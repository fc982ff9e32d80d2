/**
 * CLIP on SameDiff: importing exported CLIP models, tokenizing text, zero-shot classification.
 * Nothing in this module knows CoFT.
 */
package org.coft.clip;
