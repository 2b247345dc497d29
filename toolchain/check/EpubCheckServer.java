// EPUBCheck for one build, started as the build starts: Java's start-up and EPUBCheck's
// loading happen while the book is laid out, on the other core. Each line on stdin is one
// check, FILE<TAB>REPORT.json[<TAB>option...]; "done" on stdout answers it.
import com.adobe.epubcheck.tool.EpubChecker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class EpubCheckServer {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream answer = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    String line;
    while ((line = in.readLine()) != null) {
      String[] parts = line.split("\t");
      List<String> run = new ArrayList<>(List.of(parts[0]));
      run.addAll(Arrays.asList(parts).subList(2, parts.length));
      run.addAll(List.of("--json", parts[1], "--quiet"));
      new EpubChecker().run(run.toArray(new String[0]));
      answer.println("done");
      answer.flush();
      System.gc();  // then its heap shrunk (MaxHeapFreeRatio): idle while the book is laid out
    }
  }
}
