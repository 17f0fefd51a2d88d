package dev.clincher.cache.verify;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A question cut into what the verification stage compares: its words, its content words (stop words dropped,
 * a light plural stem), its numbers with their units, its names (capitalised words not opening a sentence, and
 * acronyms) and how many negations it holds. Digits and letters are split, so {@code 5kg} is the number {@code 5}
 * and the word {@code kg}; a number followed by a content word is also kept with it ({@code 100 gram}), so
 * {@code 100 grams} and {@code 100 ounces} differ in their numbers.
 */
record Words(List<String> words, List<String> content, Set<String> numbers, Set<String> names, int negations) {

  private static final Pattern TOKEN = Pattern.compile("\\p{N}+(?:[.,]\\p{N}+)*|[\\p{L}]+(?:'[\\p{L}]+)?|[.?!]");
  private static final Set<String> NEGATIONS = Set.of("not", "no", "never", "nor", "none", "nothing", "nobody",
      "without", "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont", "shouldnt",
      "wouldnt", "couldnt", "havent", "hasnt", "hadnt");
  private static final Set<String> STOP_WORDS = Set.of("a", "an", "the", "is", "are", "was", "were", "be", "been",
      "being", "am", "do", "does", "did", "i", "me", "my", "we", "our", "you", "your", "it", "its", "they", "them",
      "their", "he", "she", "his", "her", "this", "that", "these", "those", "of", "in", "on", "at", "to", "for",
      "from", "by", "with", "about", "as", "into", "and", "or", "if", "so", "can", "could", "should", "would", "will",
      "shall", "may", "might", "must", "have", "has", "had", "what", "which", "who", "whom", "whose", "why", "how",
      "when", "where", "there", "here", "some", "any", "get", "one", "someone", "thing", "things", "way", "ways",
      "best", "good", "really", "much", "many", "more", "most", "very", "just", "also", "s");

  /** Cuts {@code text}. */
  static Words of(String text) {
    List<String> words = new ArrayList<>();
    List<String> content = new ArrayList<>();
    Set<String> numbers = new LinkedHashSet<>();
    Set<String> names = new LinkedHashSet<>();
    int negations = 0;
    boolean sentenceStart = true;
    String lastNumber = null;
    Matcher token = TOKEN.matcher(text);
    while (token.find()) {
      String raw = token.group();
      if (raw.length() == 1 && ".?!".contains(raw)) {
        sentenceStart = true;
        lastNumber = null;
        continue;
      }
      String word = raw.toLowerCase(Locale.ROOT).replace("'", "");
      if (Character.isDigit(raw.charAt(0))) {
        lastNumber = raw.replace(",", "");
        numbers.add(lastNumber);
        content.add(word);
      } else {
        if (lastNumber != null && !STOP_WORDS.contains(word)) {
          numbers.add(lastNumber + " " + stem(word));
        }
        lastNumber = null;
        if (isName(raw, sentenceStart)) {
          names.add(word);
        }
        if (NEGATIONS.contains(word)) {
          negations++;
        }
        if (!STOP_WORDS.contains(word)) {
          content.add(stem(word));
        }
      }
      words.add(word);
      sentenceStart = false;
    }
    return new Words(List.copyOf(words), List.copyOf(content), Set.copyOf(numbers), Set.copyOf(names), negations);
  }

  /** {@code Paris} mid-sentence, {@code NASA} anywhere; not the sentence's first word, not {@code I}. */
  private static boolean isName(String raw, boolean sentenceStart) {
    if (!Character.isUpperCase(raw.charAt(0)) || raw.equals("I")) {
      return false;
    }
    boolean acronym = raw.length() > 1 && raw.chars().allMatch(Character::isUpperCase);
    return acronym || !sentenceStart;
  }

  /** A light stem: {@code skills} and {@code skill} compare equal. */
  private static String stem(String word) {
    if (word.length() > 4 && word.endsWith("ies")) {
      return word.substring(0, word.length() - 3) + "y";
    }
    if (word.length() > 3 && word.endsWith("s") && !word.endsWith("ss")) {
      return word.substring(0, word.length() - 1);
    }
    return word;
  }
}
