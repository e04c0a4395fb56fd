package dev.tessera.api.filter;

/** A comparison operator of the filter language, with its canonical spelling. */
public enum CompareOp {
    EQ("=="),
    NE("!="),
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">=");

    private final String symbol;

    CompareOp(String symbol) {
        this.symbol = symbol;
    }

    /** The canonical spelling ({@code =} and {@code <>} are read as {@code ==} and {@code !=}). */
    public String symbol() {
        return symbol;
    }

    /** The operator that gives the same answer with the operands swapped: {@code a < b} is {@code b > a}. */
    public CompareOp swapped() {
        switch (this) {
            case LT: return GT;
            case LE: return GE;
            case GT: return LT;
            case GE: return LE;
            default: return this;
        }
    }

    /** True for {@code <, <=, >, >=}, which need ordered operands (numbers or strings). */
    public boolean ordering() {
        return this != EQ && this != NE;
    }
}
