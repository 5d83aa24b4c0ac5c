d = list(" " * 1000)
l = []
i = 0
for x in d:
    for y in d:
        l.append(i * 7919 % 1000003)
        i = i + 1
l.sort()
print(l[0])
print(l[500000])
print(l[999999])
