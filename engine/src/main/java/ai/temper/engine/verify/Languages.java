package ai.temper.engine.verify;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small language guess for {@code response_language} constraints (open-instruct asks the
 * langdetect package): the dominant script decides for non-Latin languages (ru, uk, bg: Cyrillic;
 * el; he; ar, fa, ur: Arabic; hi, mr, ne: Devanagari; th; ko; ja: kana; zh: Han); Latin-script
 * text is given to the language whose common words it uses most. An approximation: it tells
 * English from German, French, Spanish, Italian, Portuguese, Dutch, Swedish and Finnish prose,
 * not dialects or short mixed texts.
 */
final class Languages {
  private static final Map<String, Set<String>> STOPWORDS = Map.of(
      "en", Set.of("the", "and", "is", "of", "to", "in", "it", "that", "was", "he", "she",
          "with", "for", "you", "are", "on", "they", "have", "this", "but", "his", "her"),
      "de", Set.of("der", "die", "und", "das", "ist", "nicht", "ich", "zu", "den", "mit",
          "sie", "ein", "eine", "es", "auf", "sich", "dem", "auch", "wir", "war"),
      "fr", Set.of("le", "la", "les", "et", "est", "un", "une", "des", "du", "que", "qui",
          "dans", "pour", "pas", "il", "elle", "sur", "au", "avec", "je", "nous"),
      "es", Set.of("el", "la", "los", "las", "y", "es", "un", "una", "que", "de", "en",
          "por", "con", "para", "no", "se", "del", "su", "como", "pero"),
      "it", Set.of("il", "lo", "la", "gli", "le", "e", "è", "un", "una", "che", "di", "per",
          "non", "con", "del", "della", "sono", "anche", "come", "ma"),
      "pt", Set.of("o", "a", "os", "as", "e", "é", "um", "uma", "que", "de", "do", "da",
          "em", "não", "com", "para", "por", "se", "mais", "mas"),
      "nl", Set.of("de", "het", "een", "en", "is", "van", "niet", "dat", "ik", "zijn", "op",
          "te", "met", "voor", "er", "maar", "ook", "als", "wij", "hij"),
      "sv", Set.of("och", "det", "att", "i", "en", "är", "som", "på", "jag", "för", "med",
          "inte", "har", "den", "till", "av", "om", "ett", "men", "var"),
      "fi", Set.of("ja", "on", "ei", "se", "että", "oli", "hän", "mutta", "kun", "niin",
          "kuin", "ovat", "tai", "myös", "joka", "ole", "minä", "sen", "voi", "jo"));
  private static final Pattern WORD = Pattern.compile("\\p{L}+");

  private Languages() {}

  /** Whether the text reads as the language with this ISO 639-1 code. */
  static boolean is(String text, String code) {
    String want = code.strip().toLowerCase(Locale.ROOT);
    String got = detect(text);
    return want.equals(got) || (want.startsWith("zh") && "zh".equals(got));
  }

  static String detect(String text) {
    Map<String, Integer> scripts = new HashMap<>();
    text.codePoints().filter(Character::isLetter).forEach(cp -> {
      Character.UnicodeScript s = Character.UnicodeScript.of(cp);
      scripts.merge(s.name(), 1, Integer::sum);
    });
    String script = scripts.entrySet().stream().max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey).orElse("LATIN");
    switch (script) {
      case "CYRILLIC": return "ru";
      case "GREEK": return "el";
      case "HEBREW": return "he";
      case "ARABIC": return "ar";
      case "DEVANAGARI": return "hi";
      case "THAI": return "th";
      case "HANGUL": return "ko";
      case "HIRAGANA":
      case "KATAKANA": return "ja";
      case "HAN": return scripts.containsKey("HIRAGANA") || scripts.containsKey("KATAKANA")
          ? "ja" : "zh";
      default: break;
    }
    Map<String, Integer> hits = new HashMap<>();
    Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
    while (m.find()) {
      String w = m.group();
      STOPWORDS.forEach((lang, words) -> {
        if (words.contains(w)) {
          hits.merge(lang, 1, Integer::sum);
        }
      });
    }
    return hits.entrySet().stream()
        .max(Map.Entry.<String, Integer>comparingByValue()
            .thenComparing(e -> e.getKey().equals("en") ? 1 : 0))
        .map(Map.Entry::getKey).orElse("en");
  }
}
