steps = list(" " * 100000)
m = {}
for i in range(len(steps)):
    m["key" + str(i)] = i
total = 0
for i in range(len(steps)):
    total = total + m["key" + str(i)]
print(total)
