xs = list(" " * 100)
rs = list(" " * 1000)
total = 0
for x in range(len(xs)):
    for y in range(len(xs)):
        for r in range(len(rs)):
            total = total + (x * y + r) % 7
print(total)
