package com.example;

import java.util.*;

public class Billing {
    public static int TAX_RATE = 20;

    public int total(int net) {
        int unused = 0;
        if (net > 1000) return net * TAX_RATE / 100 + net;
        return net;
    }
}
