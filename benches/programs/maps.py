d = list(" " * 10)
m = {}
for a in range(len(d)):
    for b in range(len(d)):
        for c in range(len(d)):
            for e in range(len(d)):
                for f in range(len(d)):
                    for g in range(len(d)):
                        m["k" + str(a) + str(b) + str(c) + str(e) + str(f) + str(g)] = a + b + c + e + f + g
total = 0
for k in m.keys():
    total = total + m[k]
print(len(m))
print(total)
